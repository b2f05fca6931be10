import { runStatement, statement, type Knex } from '@billing/platform/db';
import type { ActiveSaga, SagaState } from '../workflow/types';

export interface SagaRecord {
  state: SagaState;
  version: number;
}

/**
 * The statements of a batch's hot path. Fixed texts run as named prepared statements: PostgreSQL parses
 * and plans each once per connection, and a batch passes one array per column whatever its size.
 */
const LOCK_ONE = statement(
  'saga_lock_one',
  `select state, version from sagas where transaction_id = $1::uuid for update`,
);

// Id order is the lock order: concurrent batches queue on their common sagas instead of deadlocking.
const LOCK_BATCH = statement(
  'saga_lock_batch',
  `select transaction_id, state, version from sagas
   where transaction_id = any($1::uuid[])
   order by transaction_id
   for update`,
);

const INSERT_SAGAS = statement(
  'saga_insert',
  `insert into sagas (transaction_id, type, status, state, request_hash, amount, version, created_at,
                      updated_at, completed_at, deadline_at, deadline_command_id, deadline_attempt)
   select * from unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[], $5::text[], $6::numeric[],
                        $7::int[], $8::timestamptz[], $9::timestamptz[], $10::timestamptz[],
                        $11::timestamptz[], $12::uuid[], $13::int[])`,
);

const UPDATE_SAGAS = statement(
  'saga_update',
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
   from unnest($1::uuid[], $2::int[], $3::int[], $4::text[], $5::jsonb[], $6::timestamptz[], $7::boolean[],
               $8::boolean[], $9::timestamptz[], $10::uuid[], $11::int[])
     as v(transaction_id, previous_version, version, status, state, updated_at, done,
          deadline_set, deadline_at, deadline_command_id, deadline_attempt)
   where s.transaction_id = v.transaction_id and s.version = v.previous_version
   returning s.transaction_id`,
);

/** Loads a saga and locks its row for the rest of the transaction; a missing saga is the initial state. */
export async function loadSaga(trx: Knex.Transaction, transactionId: string): Promise<SagaRecord> {
  const [row] = await runStatement<{ state: SagaState; version: number }>(trx, LOCK_ONE, [transactionId]);
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
  const rows = await runStatement<{ transaction_id: string; state: SagaState; version: number }>(
    trx,
    LOCK_BATCH,
    [ids],
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

/** A save of `next` on top of `earlier`, the same saga's write still pending in this batch (if any). */
function pendingWrite(
  earlier: PendingWrite | undefined,
  previous: SagaRecord,
  next: ActiveSaga,
  nowIso: string,
  deadline: SagaDeadline | null | undefined,
): PendingWrite {
  const done = next.status === 'completed' || next.status === 'failed' || next.status === 'reversed';
  // The status column is what operators and the alert metric see: a saga a person must look at says so,
  // whatever step it is retrying underneath.
  const status = !done && next.attention ? 'needs_attention' : next.status;
  return {
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
  };
}

type Write = readonly [transactionId: string, write: PendingWrite];

/** Inserts new sagas, each at the version its saves reached; no deadline set is none. */
async function insertSagas(trx: Knex.Transaction, writes: readonly Write[]): Promise<void> {
  const column = <T>(pick: (w: PendingWrite) => T) => writes.map(([, w]) => pick(w));
  await runStatement(trx, INSERT_SAGAS, [
    writes.map(([id]) => id),
    column((w) => w.type),
    column((w) => w.status),
    column((w) => w.state),
    column((w) => w.requestHash),
    column((w) => w.amount),
    column((w) => w.saves),
    column((w) => w.createdAt),
    column((w) => w.updatedAt),
    column((w) => (w.done ? w.updatedAt : null)),
    column((w) => w.deadline.deadline_at ?? null),
    column((w) => w.deadline.deadline_command_id ?? null),
    column((w) => w.deadline.deadline_attempt ?? null),
  ]);
}

/**
 * Updates sagas that exist, each only if its row is still at the version it was loaded at; returns the
 * ids it wrote, so a saga missing from them was changed concurrently.
 */
async function updateSagas(trx: Knex.Transaction, writes: readonly Write[]): Promise<Set<string>> {
  const column = <T>(pick: (w: PendingWrite) => T) => writes.map(([, w]) => pick(w));
  const rows = await runStatement<{ transaction_id: string }>(trx, UPDATE_SAGAS, [
    writes.map(([id]) => id),
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
  ]);
  return new Set(rows.map((r) => r.transaction_id));
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
  // The batch's statements with one row each: one text per write, however the saga got here.
  const write: Write = [transactionId, pendingWrite(undefined, previous, next, nowIso, deadline)];
  if (previous.version === 0) {
    await insertSagas(trx, [write]);
    return;
  }
  const written = await updateSagas(trx, [write]);
  if (written.size !== 1) throw new Error(`saga ${transactionId} was changed concurrently`);
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
    const earlier = this.pending.get(transactionId);
    if (earlier && earlier.baseVersion + earlier.saves !== previous.version)
      throw new Error(`saga ${transactionId} was saved out of order within a batch`);
    this.pending.set(transactionId, pendingWrite(earlier, previous, next, nowIso, deadline));
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
    if (fresh.length > 0) await insertSagas(trx, fresh);
    if (changed.length === 0) return;
    const written = await updateSagas(trx, changed);
    if (written.size !== changed.length) {
      const lost = changed.map(([id]) => id).filter((id) => !written.has(id));
      throw new Error(`sagas ${lost.join(', ')} were changed concurrently`);
    }
  }
}

// A payment a refund can count against: completed, in the refund's currency.
const RESERVE_REFUND = statement(
  'saga_reserve_refund',
  `update sagas set refunded = refunded + $2::numeric
   where transaction_id = $1::uuid and type = 'payment' and status = 'completed'
     and state->'summary'->>'currency' = $3::text
     and refunded + $2::numeric <= amount
   returning transaction_id`,
);

const REFUNDABLE_PAYMENT = statement(
  'saga_refundable_payment',
  `select state from sagas
   where transaction_id = $1::uuid and type = 'payment' and status = 'completed'
     and state->'summary'->>'currency' = $2::text`,
);

const RELEASE_REFUND = statement(
  'saga_release_refund',
  `update sagas set refunded = refunded - $2::numeric where transaction_id = $1::uuid`,
);

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
  const updated = await runStatement(trx, RESERVE_REFUND, [originalTransactionId, amount, currency]);
  if (updated.length === 1) return 'reserved';
  const original = await runStatement(trx, REFUNDABLE_PAYMENT, [originalTransactionId, currency]);
  return original.length > 0 ? 'exceeds' : 'not-refundable';
}

export async function releaseRefund(
  trx: Knex.Transaction,
  originalTransactionId: string,
  amount: string,
): Promise<void> {
  await runStatement(trx, RELEASE_REFUND, [originalTransactionId, amount]);
}

/** The completed payment in this currency that a refund gives back, for the refund's parties. */
export async function findPayment(
  trx: Knex.Transaction,
  transactionId: string,
  currency: string,
): Promise<{ sourceAccountId: string; destinationAccountId: string } | null> {
  const [row] = await runStatement<{ state: SagaState }>(trx, REFUNDABLE_PAYMENT, [transactionId, currency]);
  if (!row || row.state.status === 'absent') return null;
  return {
    sourceAccountId: row.state.summary.sourceAccountId,
    destinationAccountId: row.state.summary.destinationAccountId,
  };
}
