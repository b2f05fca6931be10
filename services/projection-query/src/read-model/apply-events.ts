import type { ConsumedMessage } from '@billing/platform/consumer';
import { applyFreshLedgerEvents } from '../accounts/ledger-events.handler';
import { applyFreshTransactionEvents } from '../transactions/transaction-events.handler';
import { inReadModelTransaction, type ApplyTarget } from './apply-target';

export type ReadModelEvent = ConsumedMessage<'ledgerEvents'> | ConsumedMessage<'transactionEvents'>;

/** The full names of the two event topics the read models are built from. */
export interface EventTopics {
  ledgerEvents: string;
  transactionEvents: string;
}

/**
 * Applies a batch of ledger and transaction events, mixed as one fetch brought them, in one transaction:
 * the swap lock, the positions and the commit are paid once for both topics. The two read models do not
 * read each other's tables, so the ledger events are applied before the transaction events without
 * changing what either holds; each topic's events keep their order.
 */
export async function applyReadModelEvents(
  target: ApplyTarget,
  topics: EventTopics,
  batch: readonly ReadModelEvent[],
): Promise<void> {
  await inReadModelTransaction<'ledgerEvents' | 'transactionEvents'>(target, batch, async (trx, fresh) => {
    const ledger: ConsumedMessage<'ledgerEvents'>[] = [];
    const transactions: ConsumedMessage<'transactionEvents'>[] = [];
    for (const m of fresh) {
      if (m.topic === topics.ledgerEvents) ledger.push(m as ConsumedMessage<'ledgerEvents'>);
      else if (m.topic === topics.transactionEvents)
        transactions.push(m as ConsumedMessage<'transactionEvents'>);
      else throw new Error(`an event of ${m.topic}, which the read models are not built from`);
    }
    if (ledger.length > 0) await applyFreshLedgerEvents(trx, target.schema, ledger);
    if (transactions.length > 0) await applyFreshTransactionEvents(trx, target.schema, transactions);
  });
}
