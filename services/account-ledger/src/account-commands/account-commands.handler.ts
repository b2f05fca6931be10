import { createMessage, type TopicMessage } from '@billing/contracts/catalog';
import {
  AccountLimitsChanged,
  AccountOpened,
  AccountStatusChanged,
  CurrencyAdded,
  type AddCurrencyMessage,
  type ChangeAccountStatusMessage,
  type OpenAccountMessage,
  type SetAccountLimitsMessage,
} from '@billing/contracts/messages/accounts';
import { CommandRejected } from '@billing/contracts/messages/ledger';
import { formatMinorUnits } from '@billing/contracts/money';
import { topicName } from '@billing/contracts/topics';
import { IDEMPOTENCY_NAMESPACE, uuidv5 } from '@billing/contracts/uuid';
import type { ConsumedMessage } from '@billing/platform/consumer';
import type { Knex } from '@billing/platform/db';
import { claimInboxBatch } from '@billing/platform/inbox';
import { appendToOutbox, type OutboxMessage } from '@billing/platform/outbox';
import type { Account, CurrencyCatalog } from '../accounts/account';
import { insertAccount, loadCurrencies, lockAccounts, saveAccount } from '../accounts/account.store';
import {
  decideAddCurrency,
  decideChangeStatus,
  decideSetLimits,
} from '../account-admin/account-admin.decide';
import { decideOpenAccount } from '../open-account/open-account.decide';
import type { Rejection } from '../shared/rejection';
import { appendEvent, metaFrom, type LedgerDeps } from '../shared/ledger-deps';

type AccountCommand = TopicMessage<'accountCommands'>;
type Meta = ReturnType<typeof metaFrom>;

interface Work {
  trx: Knex.Transaction;
  deps: LedgerDeps;
  currencies: Map<string, { code: string; scale: number; kind: 'fiat' | 'crypto' | 'points' }>;
  outgoing: OutboxMessage[];
  eventsTopic: string;
}

/** Applies a batch of account commands in one transaction; each command gets exactly one outcome event. */
export async function handleAccountCommands(
  deps: LedgerDeps,
  batch: ConsumedMessage<'accountCommands'>[],
): Promise<void> {
  await deps.knex.transaction(async (trx) => {
    const work: Work = {
      trx,
      deps,
      currencies: new Map(await loadCurrencies(trx)),
      outgoing: [],
      eventsTopic: topicName('ledgerEvents', deps.topicPrefix),
    };
    // The whole batch's inbox rows in one statement; a message seen before (or twice in this batch) drops out.
    const fresh = await claimInboxBatch(
      trx,
      batch.map((item) => ({ ...item, messageId: item.message.messageId, type: item.message.type })),
    );
    for (const { message: command } of fresh) {
      const meta = metaFrom(deps, command);
      switch (command.type) {
        case 'OpenAccount':
          await openAccount(work, command, meta);
          break;
        case 'ChangeAccountStatus':
          await changeStatus(work, command, meta);
          break;
        case 'SetAccountLimits':
          await setLimits(work, command, meta);
          break;
        case 'AddCurrency':
          await addCurrency(work, command, meta);
          break;
        default: {
          const unreachable: never = command;
          throw new Error(`unhandled command ${JSON.stringify(unreachable)}`);
        }
      }
    }
    await appendToOutbox(trx, work.outgoing);
  });
}

function rejectCommand(
  work: Work,
  command: AccountCommand,
  key: string,
  accountId: string | null,
  decision: Rejection,
  meta: Meta,
): void {
  work.outgoing.push({
    topic: work.eventsTopic,
    key,
    envelope: createMessage(
      CommandRejected,
      {
        commandId: command.messageId,
        commandType: command.type,
        transactionId: null,
        accountId,
        code: decision.code,
        detail: decision.detail,
        context: decision.context,
      },
      meta,
    ),
  });
}

async function lockOne(work: Work, accountId: string): Promise<Account | undefined> {
  return (await lockAccounts(work.trx, [accountId], work.currencies)).get(accountId);
}

async function openAccount(work: Work, command: OpenAccountMessage, meta: Meta): Promise<void> {
  const { accountId } = command.data;
  const existing = (await lockOne(work, accountId)) ?? null;
  const nowIso = new Date(meta.nowMs).toISOString();
  const decision = decideOpenAccount(
    { ...command.data, actor: command.actor },
    existing,
    work.currencies,
    nowIso,
  );
  if (decision.kind === 'rejected') {
    return rejectCommand(work, command, accountId, accountId, { ...decision, accountId, context: {} }, meta);
  }
  const event = accountOpened(decision.account, work.currencies, meta);
  if (decision.kind === 'opened') {
    await insertAccount(work.trx, decision.account, work.currencies);
    await appendEvent(work.trx, accountId, decision.account.version, event);
  }
  // A replay of the same request is answered again with the account as it was opened.
  work.outgoing.push({ topic: work.eventsTopic, key: accountId, envelope: event });
}

function accountOpened(account: Account, currencies: CurrencyCatalog, meta: Meta) {
  return createMessage(
    AccountOpened,
    {
      accountId: account.id,
      ownerId: account.ownerId,
      ownerType: account.ownerType,
      type: account.type,
      currency: account.currency,
      status: 'active',
      // The opening balance, also when a replay re-announces an account that has moved since.
      balance: formatMinorUnits(0n, currencies.get(account.currency)!.scale),
      metadata: account.metadata,
      streamVersion: 1,
      openedAt: account.createdAt,
    },
    meta,
  );
}

async function changeStatus(work: Work, command: ChangeAccountStatusMessage, meta: Meta): Promise<void> {
  const { accountId, status, reason } = command.data;
  const account = await lockOne(work, accountId);
  const decision = decideChangeStatus(account, accountId, status, command.actor);
  if (decision.kind === 'rejected') return rejectCommand(work, command, accountId, accountId, decision, meta);
  const event = createMessage(
    AccountStatusChanged,
    {
      commandId: command.messageId,
      accountId,
      previousStatus: decision.previous,
      status,
      reason,
      streamVersion: decision.account.version,
      changedAt: new Date(meta.nowMs).toISOString(),
    },
    meta,
  );
  if (decision.kind === 'changed') {
    await saveAccount(
      work.trx,
      decision.account,
      work.currencies.get(decision.account.currency)!.scale,
      event.data.changedAt,
    );
    await appendEvent(work.trx, accountId, decision.account.version, event);
  }
  work.outgoing.push({ topic: work.eventsTopic, key: accountId, envelope: event });
}

async function setLimits(work: Work, command: SetAccountLimitsMessage, meta: Meta): Promise<void> {
  const { accountId, minBalance, maxBalance } = command.data;
  const account = await lockOne(work, accountId);
  const scale = account ? work.currencies.get(account.currency)!.scale : 0;
  const decision = decideSetLimits(account, accountId, minBalance, maxBalance, command.actor, scale);
  if (decision.kind === 'rejected') return rejectCommand(work, command, accountId, accountId, decision, meta);
  const a = decision.account;
  const event = createMessage(
    AccountLimitsChanged,
    {
      commandId: command.messageId,
      accountId,
      minBalance: a.minBalanceMinor === null ? null : formatMinorUnits(a.minBalanceMinor, scale),
      maxBalance: a.maxBalanceMinor === null ? null : formatMinorUnits(a.maxBalanceMinor, scale),
      streamVersion: a.version,
      changedAt: new Date(meta.nowMs).toISOString(),
    },
    meta,
  );
  await saveAccount(work.trx, a, scale, event.data.changedAt);
  await appendEvent(work.trx, accountId, a.version, event);
  work.outgoing.push({ topic: work.eventsTopic, key: accountId, envelope: event });
}

async function addCurrency(work: Work, command: AddCurrencyMessage, meta: Meta): Promise<void> {
  const wanted = command.data;
  const existing = await work
    .trx('currencies')
    .where({ code: wanted.code })
    .forUpdate()
    .first<{ code: string; scale: number; kind: 'fiat' | 'crypto' | 'points' } | undefined>();
  const decision = decideAddCurrency(
    wanted,
    existing && { ...existing, scale: Number(existing.scale) },
    command.actor,
  );
  if (decision.kind === 'rejected') return rejectCommand(work, command, wanted.code, null, decision, meta);
  const event = createMessage(CurrencyAdded, { commandId: command.messageId, ...decision.currency }, meta);
  if (decision.kind === 'added') {
    await work.trx('currencies').insert({ code: wanted.code, scale: wanted.scale, kind: wanted.kind });
    work.currencies.set(wanted.code, wanted);
    // Currencies have a stream of their own, named by a UUID derived from the code.
    await appendEvent(work.trx, uuidv5(`currency:${wanted.code}`, IDEMPOTENCY_NAMESPACE), 1, event);
  }
  work.outgoing.push({ topic: work.eventsTopic, key: wanted.code, envelope: event });
}
