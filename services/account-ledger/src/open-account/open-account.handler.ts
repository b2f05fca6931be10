import { createMessage } from '@billing/contracts/catalog';
import { AccountOpened } from '@billing/contracts/messages/accounts';
import { CommandRejected } from '@billing/contracts/messages/ledger';
import { formatMinorUnits } from '@billing/contracts/money';
import { topicName } from '@billing/contracts/topics';
import type { ConsumedMessage } from '@billing/platform/consumer';
import { claimInbox } from '@billing/platform/inbox';
import { appendToOutbox, type OutboxMessage } from '@billing/platform/outbox';
import type { Account, CurrencyCatalog } from '../accounts/account';
import { insertAccount, loadCurrencies, lockAccounts } from '../accounts/account.store';
import { appendEvent, metaFrom, type LedgerDeps } from '../shared/ledger-deps';
import { decideOpenAccount } from './open-account.decide';

/** Applies a batch of account commands in one transaction; each command gets exactly one outcome event. */
export async function handleAccountCommands(
  deps: LedgerDeps,
  batch: ConsumedMessage<'accountCommands'>[],
): Promise<void> {
  const eventsTopic = topicName('ledgerEvents', deps.topicPrefix);
  await deps.knex.transaction(async (trx) => {
    const currencies = await loadCurrencies(trx);
    const outgoing: OutboxMessage[] = [];
    for (const item of batch) {
      const command = item.message;
      const fresh = await claimInbox(trx, { messageId: command.messageId, type: command.type, ...item });
      if (!fresh) continue;
      const { accountId } = command.data;
      const existing = (await lockAccounts(trx, [accountId], currencies)).get(accountId) ?? null;
      const nowIso = new Date(deps.nowMs()).toISOString();
      const decision = decideOpenAccount(
        { ...command.data, actor: command.actor },
        existing,
        currencies,
        nowIso,
      );
      const meta = metaFrom(deps, command);
      switch (decision.kind) {
        case 'opened': {
          await insertAccount(trx, decision.account, currencies);
          const event = accountOpened(decision.account, currencies, meta);
          await appendEvent(trx, accountId, decision.account.version, event);
          outgoing.push({ topic: eventsTopic, key: accountId, envelope: event });
          break;
        }
        case 'already-open':
          // A replay is answered again with the account as it was opened, never applied twice.
          outgoing.push({
            topic: eventsTopic,
            key: accountId,
            envelope: accountOpened(decision.account, currencies, meta),
          });
          break;
        case 'rejected':
          outgoing.push({
            topic: eventsTopic,
            key: accountId,
            envelope: createMessage(
              CommandRejected,
              {
                commandId: command.messageId,
                commandType: command.type,
                transactionId: null,
                accountId,
                code: decision.code,
                detail: decision.detail,
                context: {},
              },
              meta,
            ),
          });
          break;
        default: {
          const unreachable: never = decision;
          throw new Error(`unhandled decision ${JSON.stringify(unreachable)}`);
        }
      }
    }
    await appendToOutbox(trx, outgoing);
  });
}

function accountOpened(account: Account, currencies: CurrencyCatalog, meta: ReturnType<typeof metaFrom>) {
  return createMessage(
    AccountOpened,
    {
      accountId: account.id,
      ownerId: account.ownerId,
      ownerType: account.ownerType,
      type: account.type,
      currency: account.currency,
      status: account.status,
      // The opening balance, also when a replay re-announces an account that has moved since.
      balance: formatMinorUnits(0n, currencies.get(account.currency)!.scale),
      metadata: account.metadata,
      streamVersion: 1,
      openedAt: account.createdAt,
    },
    meta,
  );
}
