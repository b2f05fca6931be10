import type { ConsumedMessage } from '@billing/platform/consumer';
import type { Knex } from '@billing/platform/db';
import { claimInbox } from '@billing/platform/inbox';
import {
  projectAccountOpened,
  projectEntryPosted,
  projectStatusChanged,
} from './accounts/account.projection';
import { projectTransaction } from './transactions/transaction.projection';

/**
 * Folds a batch of events into the read models in one transaction, recording each event in the inbox in
 * that same transaction: a redelivered event is recognised and never counted twice.
 */
export async function handleLedgerEvents(
  knex: Knex,
  batch: ConsumedMessage<'ledgerEvents'>[],
): Promise<void> {
  await knex.transaction(async (trx) => {
    for (const item of batch) {
      const event = item.message;
      if (!(await claimInbox(trx, { messageId: event.messageId, type: event.type, ...item }))) continue;
      switch (event.type) {
        case 'AccountOpened':
          await projectAccountOpened(trx, event);
          break;
        case 'EntryPosted':
          await projectEntryPosted(trx, event);
          break;
        case 'AccountStatusChanged':
          await projectStatusChanged(trx, event);
          break;
        case 'CommandRejected':
        case 'AccountLimitsChanged':
        case 'CurrencyAdded':
        case 'HoldPlaced':
        case 'HoldCaptured':
        case 'HoldReleased':
          // Not part of the read models yet: limits, currencies and available balances come with them.
          break;
        default: {
          const unreachable: never = event;
          throw new Error(`unhandled event ${JSON.stringify(unreachable)}`);
        }
      }
    }
  });
}

export async function handleTransactionEvents(
  knex: Knex,
  batch: ConsumedMessage<'transactionEvents'>[],
): Promise<void> {
  await knex.transaction(async (trx) => {
    for (const item of batch) {
      const event = item.message;
      if (!(await claimInbox(trx, { messageId: event.messageId, type: event.type, ...item }))) continue;
      // A refused request names a transaction but must not change what the transaction is.
      if (event.type === 'TransactionRequestRejected') continue;
      await projectTransaction(trx, event.data, event.hlc);
    }
  });
}
