import type { ConsumedMessage } from '@billing/platform/consumer';
import type { Knex } from '@billing/platform/db';
import type {
  TransactionProviderStepRecordedMessage,
  TransactionSummary,
} from '@billing/contracts/messages/transactions';
import { inReadModelTransaction, type ApplyTarget } from '../read-model/apply-target';
import { tableOf } from '../read-model/schema';
import { insertIgnoringDuplicates } from '../shared/insert-chunked';
import { applyOperatorEvents, type OperatorEventMessage } from './operator-actions.projection';
import { applyProviderSteps } from './provider-steps.projection';
import { evolveTransaction, type TransactionState } from './transaction.evolve';

export interface TransactionRow {
  transaction_id: string;
  type: TransactionState['type'];
  status: TransactionState['status'];
  amount: string;
  currency: string;
  source_account_id: string;
  destination_account_id: string;
  idempotency_key: string;
  reason: TransactionState['reason'];
  original_transaction_id: string | null;
  details: Record<string, string>;
  last_hlc: string;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

export function transactionStateOfRow(r: TransactionRow): TransactionState {
  return {
    transactionId: r.transaction_id,
    type: r.type,
    status: r.status,
    amount: r.amount,
    currency: r.currency,
    sourceAccountId: r.source_account_id,
    destinationAccountId: r.destination_account_id,
    idempotencyKey: r.idempotency_key,
    reason: r.reason,
    originalTransactionId: r.original_transaction_id,
    details: r.details,
    lastHlc: r.last_hlc,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
  };
}

/** Applies a batch of transaction events in one transaction with the consumer's position. */
export async function applyTransactionEvents(
  target: ApplyTarget,
  batch: ConsumedMessage<'transactionEvents'>[],
): Promise<void> {
  await inReadModelTransaction(target, batch, (trx, fresh) =>
    applyFreshTransactionEvents(trx, target.schema, fresh),
  );
}

/** The part of a read-model transaction that applies transaction events not applied yet (see inReadModelTransaction). */
export async function applyFreshTransactionEvents(
  trx: Knex.Transaction,
  schema: string,
  fresh: readonly ConsumedMessage<'transactionEvents'>[],
): Promise<void> {
  const summaries: { summary: TransactionSummary; hlc: string }[] = [];
  const operatorEvents: OperatorEventMessage[] = [];
  const providerSteps: TransactionProviderStepRecordedMessage[] = [];
  for (const { message } of fresh) {
    switch (message.type) {
      case 'TransactionAccepted':
      case 'TransactionCompleted':
      case 'TransactionFailed':
      case 'TransactionReversed':
      case 'TransactionNeedsAttention':
        summaries.push({ summary: message.data, hlc: message.hlc });
        break;
      case 'TransactionStepRetried':
      case 'TransactionInvestigationFlagged':
      case 'TransactionInvestigationCleared':
        operatorEvents.push(message);
        break;
      case 'TransactionProviderStepRecorded':
        providerSteps.push(message);
        break;
      case 'TransactionRequestRejected':
      case 'TransactionRequestReplayed':
      case 'TransactionActionRefused':
      case 'TransactionActionReplayed':
        // A refused or repeated request names a transaction but must not change what it is.
        break;
      default: {
        const unreachable: never = message;
        throw new Error(`unhandled transaction event ${JSON.stringify(unreachable)}`);
      }
    }
  }
  await applySummaries(trx, schema, summaries);
  await applyOperatorEvents(trx, schema, operatorEvents);
  await applyProviderSteps(trx, schema, providerSteps);
}

async function applySummaries(
  trx: Knex.Transaction,
  schema: string,
  summaries: readonly { summary: TransactionSummary; hlc: string }[],
): Promise<void> {
  if (summaries.length === 0) return;
  const table = tableOf(schema, 'transactions');
  const ids = [...new Set(summaries.map((s) => s.summary.transactionId))].sort();
  const rows = await trx(table)
    .whereIn('transaction_id', ids)
    .orderBy('transaction_id')
    .forUpdate()
    .select<TransactionRow[]>('*');
  const views = new Map(rows.map((r) => [r.transaction_id, transactionStateOfRow(r)]));
  const changed = new Map<string, TransactionState>();
  for (const { summary, hlc } of summaries) {
    const next = evolveTransaction(views.get(summary.transactionId) ?? null, summary, hlc);
    if (next === null) continue;
    views.set(next.transactionId, next);
    changed.set(next.transactionId, next);
  }
  // One upsert for the whole batch.
  if (changed.size > 0) {
    await trx(table)
      .insert(
        [...changed.values()].map((v) => ({
          transaction_id: v.transactionId,
          type: v.type,
          status: v.status,
          amount: v.amount,
          currency: v.currency,
          source_account_id: v.sourceAccountId,
          destination_account_id: v.destinationAccountId,
          idempotency_key: v.idempotencyKey,
          reason: v.reason === null ? null : JSON.stringify(v.reason),
          original_transaction_id: v.originalTransactionId,
          details: JSON.stringify(v.details),
          last_hlc: v.lastHlc,
          created_at: v.createdAt,
          updated_at: v.updatedAt,
          finished_at: v.finishedAt,
        })),
      )
      .onConflict('transaction_id')
      .merge();
  }
  const links = [...changed.values()].flatMap((v) =>
    [v.sourceAccountId, v.destinationAccountId].map((accountId) => ({
      account_id: accountId,
      created_at: v.createdAt,
      transaction_id: v.transactionId,
    })),
  );
  await insertIgnoringDuplicates(trx, tableOf(schema, 'account_transactions'), links, [
    'account_id',
    'created_at',
    'transaction_id',
  ]);
}
