import type { Knex } from '@billing/platform/db';
import type { SagaState } from '../workflow/types';

export interface SagaRecord {
  state: SagaState;
  version: number;
}

/** Loads a saga and locks its row for the rest of the transaction; a missing saga is the initial state. */
export async function loadSaga(trx: Knex.Transaction, transactionId: string): Promise<SagaRecord> {
  const row = await trx('sagas')
    .where({ transaction_id: transactionId })
    .forUpdate()
    .first<{ state: SagaState; version: number } | undefined>();
  return row ? { state: row.state, version: row.version } : { state: { status: 'absent' }, version: 0 };
}

/**
 * Loads and locks the sagas of a whole batch in one statement, in id order (so concurrent batches queue
 * instead of deadlocking); a missing saga is the initial state.
 */
export async function loadSagas(
  trx: Knex.Transaction,
  transactionIds: readonly string[],
): Promise<Map<string, SagaRecord>> {
  const ids = [...new Set(transactionIds)].sort();
  const records = new Map<string, SagaRecord>(
    ids.map((id) => [id, { state: { status: 'absent' }, version: 0 }]),
  );
  if (ids.length === 0) return records;
  const rows = await trx('sagas')
    .whereIn('transaction_id', ids)
    .orderBy('transaction_id')
    .forUpdate()
    .select<{ transaction_id: string; state: SagaState; version: number }[]>(
      'transaction_id',
      'state',
      'version',
    );
  for (const row of rows) records.set(row.transaction_id, { state: row.state, version: row.version });
  return records;
}

/** When the saga's pending ledger step is due to be sent again (see apply-decision.ts deadlineOf). */
export interface SagaDeadline {
  at: string;
  commandId: string;
  attempt: number;
}

function deadlineColumns(deadline: SagaDeadline | null | undefined, done: boolean) {
  if (done || deadline === null)
    return { deadline_at: null, deadline_command_id: null, deadline_attempt: null };
  if (deadline === undefined) return {};
  return {
    deadline_at: deadline.at,
    deadline_command_id: deadline.commandId,
    deadline_attempt: deadline.attempt,
  };
}

/**
 * Writes the new state, and the step deadline with it (undefined: leave it as it is). The version check
 * turns a concurrent writer into an error, not a lost update.
 */
export async function saveSaga(
  trx: Knex.Transaction,
  transactionId: string,
  previous: SagaRecord,
  next: SagaState,
  nowIso: string,
  deadline?: SagaDeadline | null,
): Promise<void> {
  if (next.status === 'absent') return;
  const done = next.status === 'completed' || next.status === 'failed' || next.status === 'reversed';
  // The status column is what operators and the alert metric see: a saga a person must look at says so,
  // whatever step it is retrying underneath.
  const status = !done && next.attention ? 'needs_attention' : next.status;
  if (previous.version === 0) {
    await trx('sagas').insert({
      transaction_id: transactionId,
      type: next.summary.type,
      status,
      state: JSON.stringify(next),
      request_hash: next.requestHash,
      amount: next.summary.amount,
      version: 1,
      created_at: nowIso,
      updated_at: nowIso,
      completed_at: done ? nowIso : null,
      ...deadlineColumns(deadline, done),
    });
    return;
  }
  const updated = await trx('sagas')
    .where({ transaction_id: transactionId, version: previous.version })
    .update({
      status,
      state: JSON.stringify(next),
      version: previous.version + 1,
      updated_at: nowIso,
      // A finished saga still takes an operator's flag: it stays finished when it first finished.
      completed_at: done ? trx.raw('coalesce(completed_at, ?::timestamptz)', [nowIso]) : null,
      ...deadlineColumns(deadline, done),
    });
  if (updated !== 1) throw new Error(`saga ${transactionId} was changed concurrently`);
}

/**
 * Reserves a refund against its payment in one statement: it succeeds only for a completed payment
 * whose refunds (reserved or done) stay within its amount. Concurrent refunds serialise on the payment's
 * row, so their sum can never exceed the original, whatever the interleaving.
 */
export async function reserveRefund(
  trx: Knex.Transaction,
  originalTransactionId: string,
  amount: string,
  currency: string,
): Promise<'reserved' | 'not-refundable' | 'exceeds'> {
  const updated = await trx('sagas')
    .where({ transaction_id: originalTransactionId, type: 'payment', status: 'completed' })
    .andWhereRaw(`state->'summary'->>'currency' = ?`, [currency])
    .andWhereRaw('refunded + ?::numeric <= amount', [amount])
    .update({ refunded: trx.raw('refunded + ?::numeric', [amount]) });
  if (updated === 1) return 'reserved';
  const original = await trx('sagas')
    .where({ transaction_id: originalTransactionId, type: 'payment', status: 'completed' })
    .andWhereRaw(`state->'summary'->>'currency' = ?`, [currency])
    .first('transaction_id');
  return original ? 'exceeds' : 'not-refundable';
}

export async function releaseRefund(
  trx: Knex.Transaction,
  originalTransactionId: string,
  amount: string,
): Promise<void> {
  await trx('sagas')
    .where({ transaction_id: originalTransactionId })
    .update({ refunded: trx.raw('refunded - ?::numeric', [amount]) });
}

/** The completed payment in this currency that a refund gives back, for the refund's parties. */
export async function findPayment(
  trx: Knex.Transaction,
  transactionId: string,
  currency: string,
): Promise<{ sourceAccountId: string; destinationAccountId: string } | null> {
  const row = await trx('sagas')
    .where({ transaction_id: transactionId, type: 'payment', status: 'completed' })
    .andWhereRaw(`state->'summary'->>'currency' = ?`, [currency])
    .first<{ state: SagaState } | undefined>('state');
  if (!row || row.state.status === 'absent') return null;
  return {
    sourceAccountId: row.state.summary.sourceAccountId,
    destinationAccountId: row.state.summary.destinationAccountId,
  };
}
