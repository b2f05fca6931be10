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

interface DeadlineColumns {
  deadline_at?: string | null;
  deadline_command_id?: string | null;
  deadline_attempt?: number | null;
}

function deadlineColumns(deadline: SagaDeadline | null | undefined, done: boolean): DeadlineColumns {
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

interface PendingWrite {
  /** The version in the database before this batch; 0 when the saga is new. */
  baseVersion: number;
  saves: number;
  type: string;
  status: string;
  state: string;
  requestHash: string;
  amount: string | null;
  createdAt: string;
  updatedAt: string;
  done: boolean;
  /** The deadline columns the batch's saves set; absent keys keep what the row has. */
  deadline: DeadlineColumns;
}

/**
 * The saga writes of one batch, made at its end with one insert for the new sagas and one update for
 * the others, instead of a statement per saga. A saga saved twice in the batch is written once, in its
 * last state, with its version moved by the number of saves; the update checks each row's version as it
 * was when the batch loaded it, so a concurrent writer is still an error, not a lost update.
 */
export class SagaWrites {
  private readonly pending = new Map<string, PendingWrite>();

  save(
    transactionId: string,
    previous: SagaRecord,
    next: SagaState,
    nowIso: string,
    deadline?: SagaDeadline | null,
  ): void {
    if (next.status === 'absent') return;
    const done = next.status === 'completed' || next.status === 'failed' || next.status === 'reversed';
    const status = !done && next.attention ? 'needs_attention' : next.status;
    const earlier = this.pending.get(transactionId);
    if (earlier && earlier.baseVersion + earlier.saves !== previous.version)
      throw new Error(`saga ${transactionId} was saved out of order within a batch`);
    this.pending.set(transactionId, {
      baseVersion: earlier?.baseVersion ?? previous.version,
      saves: (earlier?.saves ?? 0) + 1,
      type: next.summary.type,
      status,
      state: JSON.stringify(next),
      requestHash: next.requestHash,
      amount: next.summary.amount,
      createdAt: earlier?.createdAt ?? nowIso,
      updatedAt: nowIso,
      done,
      deadline: { ...earlier?.deadline, ...deadlineColumns(deadline, done) },
    });
  }

  get size(): number {
    return this.pending.size;
  }

  /** Writes what the batch saved: at most two statements, however many sagas. */
  async flush(trx: Knex.Transaction): Promise<void> {
    const all = [...this.pending].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.pending.clear();
    const fresh = all.filter(([, w]) => w.baseVersion === 0);
    const changed = all.filter(([, w]) => w.baseVersion > 0);
    if (fresh.length > 0)
      await trx('sagas').insert(
        fresh.map(([id, w]) => ({
          transaction_id: id,
          type: w.type,
          status: w.status,
          state: w.state,
          request_hash: w.requestHash,
          amount: w.amount,
          version: w.saves,
          created_at: w.createdAt,
          updated_at: w.updatedAt,
          completed_at: w.done ? w.updatedAt : null,
          deadline_at: w.deadline.deadline_at ?? null,
          deadline_command_id: w.deadline.deadline_command_id ?? null,
          deadline_attempt: w.deadline.deadline_attempt ?? null,
        })),
      );
    if (changed.length === 0) return;
    const column = <T>(pick: (w: PendingWrite) => T) => changed.map(([, w]) => pick(w));
    const { rows } = await trx.raw<{ rows: { transaction_id: string }[] }>(
      `update sagas as s set
         status = v.status,
         state = v.state,
         version = v.version,
         updated_at = v.updated_at,
         -- A finished saga still takes an operator's flag: it stays finished when it first finished.
         completed_at = case when v.done then coalesce(s.completed_at, v.updated_at) else null end,
         deadline_at = case when v.deadline_set then v.deadline_at else s.deadline_at end,
         deadline_command_id = case when v.deadline_set then v.deadline_command_id else s.deadline_command_id end,
         deadline_attempt = case when v.deadline_set then v.deadline_attempt else s.deadline_attempt end
       from unnest(?::uuid[], ?::int[], ?::int[], ?::text[], ?::jsonb[], ?::timestamptz[], ?::boolean[],
                   ?::boolean[], ?::timestamptz[], ?::uuid[], ?::int[])
         as v(transaction_id, previous_version, version, status, state, updated_at, done,
              deadline_set, deadline_at, deadline_command_id, deadline_attempt)
       where s.transaction_id = v.transaction_id and s.version = v.previous_version
       returning s.transaction_id`,
      [
        changed.map(([id]) => id),
        column((w) => w.baseVersion),
        column((w) => w.baseVersion + w.saves),
        column((w) => w.status),
        column((w) => w.state),
        column((w) => w.updatedAt),
        column((w) => w.done),
        column((w) => 'deadline_at' in w.deadline),
        column((w) => w.deadline.deadline_at ?? null),
        column((w) => w.deadline.deadline_command_id ?? null),
        column((w) => w.deadline.deadline_attempt ?? null),
        // Arrays with nulls are fine for pg (NULL elements); knex's binding type only lists plain arrays.
      ] as Knex.RawBinding[],
    );
    if (rows.length !== changed.length) {
      const written = new Set(rows.map((r) => r.transaction_id));
      const lost = changed.map(([id]) => id).filter((id) => !written.has(id));
      throw new Error(`sagas ${lost.join(', ')} were changed concurrently`);
    }
  }
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
