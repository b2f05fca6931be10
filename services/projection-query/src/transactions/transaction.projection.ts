import type { TransactionSummary } from '@billing/contracts/messages/transactions';
import type { Knex } from '@billing/platform/db';

/**
 * Transaction events carry the whole summary, so the view is an upsert. Events of one transaction share
 * a key and so a partition and arrive in order; the HLC guard keeps a replayed older event from moving a
 * finished transaction back to pending.
 */
export async function projectTransaction(
  trx: Knex.Transaction,
  summary: TransactionSummary,
  hlc: string,
): Promise<void> {
  const row = {
    transaction_id: summary.transactionId,
    type: summary.type,
    status: summary.status,
    amount: summary.amount,
    currency: summary.currency,
    source_account_id: summary.sourceAccountId,
    destination_account_id: summary.destinationAccountId,
    idempotency_key: summary.idempotencyKey,
    reason: summary.reason === null ? null : JSON.stringify(summary.reason),
    last_hlc: hlc,
    created_at: summary.createdAt,
    updated_at: summary.updatedAt,
  };
  await trx('transaction_views')
    .insert(row)
    .onConflict('transaction_id')
    .merge(['status', 'reason', 'last_hlc', 'updated_at'])
    .where('transaction_views.last_hlc', '<', hlc);
}
