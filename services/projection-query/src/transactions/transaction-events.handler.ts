import type { ConsumedMessage } from '@billing/platform/consumer';
import { runStatement, type Knex } from '@billing/platform/db';
import type {
  TransactionProviderStepRecordedMessage,
  TransactionSummary,
} from '@billing/contracts/messages/transactions';
import { inReadModelTransaction, type ApplyTarget } from '../read-model/apply-target';
import { perSchema } from '../shared/statements';
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

/** Every column of a transaction row, in the table's order (named, not `*`: see shared/statements.ts). */
const TRANSACTION_COLUMNS = [
  'transaction_id',
  'type',
  'status',
  'amount',
  'currency',
  'source_account_id',
  'destination_account_id',
  'idempotency_key',
  'reason',
  'original_transaction_id',
  'details',
  'last_hlc',
  'created_at',
  'updated_at',
  'finished_at',
] as const;

// Locked in id order, so that batches touching the same transactions queue instead of deadlocking.
const LOCK_TRANSACTIONS = perSchema(
  'transactions_lock',
  (schema) =>
    `select ${TRANSACTION_COLUMNS.join(', ')} from ${schema}.transactions
     where transaction_id = any($1::uuid[])
     order by transaction_id asc
     for update`,
);

const SAVE_TRANSACTIONS = perSchema(
  'transactions_save',
  (schema) =>
    `insert into ${schema}.transactions (${TRANSACTION_COLUMNS.join(', ')})
     select * from unnest($1::uuid[], $2::text[], $3::text[], $4::numeric[], $5::text[], $6::uuid[], $7::uuid[],
       $8::text[], $9::jsonb[], $10::uuid[], $11::jsonb[], $12::text[], $13::timestamptz[], $14::timestamptz[],
       $15::timestamptz[])
     on conflict (transaction_id) do update
       set ${TRANSACTION_COLUMNS.filter((c) => c !== 'transaction_id')
         .map((c) => `${c} = excluded.${c}`)
         .join(', ')}`,
);

const LINK_ACCOUNTS = perSchema(
  'account_transactions_link',
  (schema) =>
    `insert into ${schema}.account_transactions (account_id, created_at, transaction_id)
     select * from unnest($1::uuid[], $2::timestamptz[], $3::uuid[])
     on conflict (account_id, created_at, transaction_id) do nothing`,
);

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
  const ids = [...new Set(summaries.map((s) => s.summary.transactionId))].sort();
  const rows = await runStatement<TransactionRow>(trx, LOCK_TRANSACTIONS(schema), [ids]);
  const views = new Map(rows.map((r) => [r.transaction_id, transactionStateOfRow(r)]));
  const changed = new Map<string, TransactionState>();
  for (const { summary, hlc } of summaries) {
    const next = evolveTransaction(views.get(summary.transactionId) ?? null, summary, hlc);
    if (next === null) continue;
    views.set(next.transactionId, next);
    changed.set(next.transactionId, next);
  }
  if (changed.size === 0) return;
  // One upsert for the whole batch, one array per column (TRANSACTION_COLUMNS' order).
  const saved = [...changed.values()];
  await runStatement(trx, SAVE_TRANSACTIONS(schema), [
    saved.map((v) => v.transactionId),
    saved.map((v) => v.type),
    saved.map((v) => v.status),
    saved.map((v) => v.amount),
    saved.map((v) => v.currency),
    saved.map((v) => v.sourceAccountId),
    saved.map((v) => v.destinationAccountId),
    saved.map((v) => v.idempotencyKey),
    saved.map((v) => (v.reason === null ? null : JSON.stringify(v.reason))),
    saved.map((v) => v.originalTransactionId),
    saved.map((v) => JSON.stringify(v.details)),
    saved.map((v) => v.lastHlc),
    saved.map((v) => v.createdAt),
    saved.map((v) => v.updatedAt),
    saved.map((v) => v.finishedAt),
  ]);
  // Each party's link: the source's, then the destination's, per transaction.
  const links = saved.flatMap((v) =>
    [v.sourceAccountId, v.destinationAccountId].map((accountId) => ({ accountId, v })),
  );
  await runStatement(trx, LINK_ACCOUNTS(schema), [
    links.map((l) => l.accountId),
    links.map((l) => l.v.createdAt),
    links.map((l) => l.v.transactionId),
  ]);
}
