import { createMessage } from '@billing/contracts/catalog';
import { CommandRejected, EntryPosted, type PostEntryMessage } from '@billing/contracts/messages/ledger';
import { formatMinorUnits } from '@billing/contracts/money';
import { topicName } from '@billing/contracts/topics';
import { uuidv7 } from '@billing/contracts/uuid';
import type { ConsumedMessage } from '@billing/platform/consumer';
import type { Knex } from '@billing/platform/db';
import { claimInbox } from '@billing/platform/inbox';
import { appendToOutbox, type OutboxMessage } from '@billing/platform/outbox';
import type { Account } from '../accounts/account';
import { loadCurrencies, lockAccounts, updateBalance } from '../accounts/account.store';
import { appendEvent, metaFrom, type LedgerDeps } from '../shared/ledger-deps';
import { decidePostEntry, type AppliedPosting } from './post-entry.decide';

type Meta = ReturnType<typeof metaFrom>;

/**
 * Applies a batch of ledger commands in ONE transaction: every account the batch touches is locked once,
 * in id order; each command is decided against the balances its predecessors in the batch left; a
 * refusal is an outcome event, not an abort, so it does not undo its neighbours.
 */
export async function handleLedgerCommands(
  deps: LedgerDeps,
  batch: ConsumedMessage<'ledgerCommands'>[],
): Promise<void> {
  const eventsTopic = topicName('ledgerEvents', deps.topicPrefix);
  await deps.knex.transaction(async (trx) => {
    const currencies = await loadCurrencies(trx);
    const fresh: PostEntryMessage[] = [];
    for (const item of batch) {
      if (await claimInbox(trx, { messageId: item.message.messageId, type: item.message.type, ...item })) {
        fresh.push(item.message);
      }
    }
    const accounts = await lockAccounts(
      trx,
      fresh.flatMap((c) => c.data.postings.map((p) => p.accountId)),
      currencies,
    );
    const touched = new Set<string>();
    const outgoing: OutboxMessage[] = [];
    for (const command of fresh) {
      const meta = metaFrom(deps, command);
      const replay = await findPostedEntry(trx, command, meta);
      if (replay) {
        outgoing.push({ topic: eventsTopic, key: debitedAccount(command), envelope: replay });
        continue;
      }
      const decision = decidePostEntry({ ...command.data, actor: command.actor }, accounts, currencies);
      if (decision.kind === 'rejected') {
        outgoing.push({
          topic: eventsTopic,
          key: debitedAccount(command),
          envelope: createMessage(
            CommandRejected,
            {
              commandId: command.data.commandId,
              commandType: command.type,
              transactionId: command.data.transactionId,
              accountId: decision.accountId,
              code: decision.code,
              detail: decision.detail,
              context: decision.context,
            },
            meta,
          ),
        });
        continue;
      }
      const scale = currencies.get(command.data.currency)!.scale;
      const event = entryPosted(command, decision.postings, scale, meta);
      await insertEntry(trx, command, event, decision.postings, scale);
      for (const account of decision.accounts) {
        accounts.set(account.id, account);
        touched.add(account.id);
      }
      outgoing.push({ topic: eventsTopic, key: debitedAccount(command), envelope: event });
    }
    const nowIso = new Date(deps.nowMs()).toISOString();
    for (const id of [...touched].sort()) {
      const account: Account = accounts.get(id)!;
      await updateBalance(trx, account, currencies.get(account.currency)!.scale, nowIso);
    }
    await appendToOutbox(trx, outgoing);
  });
}

function debitedAccount(command: PostEntryMessage): string {
  return command.data.postings.find((p) => p.side === 'debit')?.accountId ?? command.data.transactionId;
}

function entryPosted(command: PostEntryMessage, postings: AppliedPosting[], scale: number, meta: Meta) {
  return createMessage(
    EntryPosted,
    {
      entryId: uuidv7(meta.nowMs),
      commandId: command.data.commandId,
      transactionId: command.data.transactionId,
      transactionType: command.data.transactionType,
      step: command.data.step,
      currency: command.data.currency,
      postings: postings.map((p) => ({
        accountId: p.accountId,
        side: p.side,
        amount: formatMinorUnits(p.amountMinor, scale),
        balanceAfter: formatMinorUnits(p.balanceAfterMinor, scale),
        streamVersion: p.streamVersion,
      })),
      postedAt: new Date(meta.nowMs).toISOString(),
    },
    meta,
  );
}

async function insertEntry(
  trx: Knex.Transaction,
  command: PostEntryMessage,
  event: ReturnType<typeof entryPosted>,
  postings: AppliedPosting[],
  scale: number,
): Promise<void> {
  await trx('journal_entries').insert({
    id: event.data.entryId,
    transaction_id: command.data.transactionId,
    step: command.data.step,
    transaction_type: command.data.transactionType,
    currency: command.data.currency,
    command_id: command.data.commandId,
    event_message_id: event.messageId,
    actor: JSON.stringify(command.actor),
    hlc: event.hlc,
    posted_at: event.data.postedAt,
  });
  await trx('postings').insert(
    postings.map((p) => ({
      entry_id: event.data.entryId,
      account_id: p.accountId,
      side: p.side,
      amount: formatMinorUnits(p.amountMinor, scale),
      balance_after: formatMinorUnits(p.balanceAfterMinor, scale),
      stream_version: p.streamVersion,
    })),
  );
  for (const p of postings) await appendEvent(trx, p.accountId, p.streamVersion, event);
}

/**
 * A command whose (transaction, step) was already posted is a replay, e.g. the orchestrator re-sent it
 * after a crash. The answer is the original EntryPosted, rebuilt from the stored entry, with a fresh
 * message id so that the answer itself is a new message for the caller.
 */
async function findPostedEntry(trx: Knex.Transaction, command: PostEntryMessage, meta: Meta) {
  const entry = await trx('journal_entries')
    .where({ transaction_id: command.data.transactionId, step: command.data.step })
    .first<{ id: string; event_message_id: string } | undefined>();
  if (!entry) return null;
  const original = await trx('events')
    .where({ message_id: entry.event_message_id })
    .first<{ data: ReturnType<typeof entryPosted>['data'] } | undefined>();
  if (!original) throw new Error(`entry ${entry.id} has no EntryPosted event`);
  return createMessage(EntryPosted, original.data, meta);
}
