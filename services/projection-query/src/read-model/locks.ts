import { runStatement, statement, type Knex } from '@billing/platform/db';

/**
 * The swap lock: every live batch holds it shared for its whole transaction; the rebuild's swap holds it
 * exclusively while it renames schemas. A batch therefore runs wholly before or wholly after a swap, and
 * never writes half into the old tables and half into the new. It is a two-key advisory lock, a key
 * space apart from the one-key locks of account streams below.
 */
const SWAP_LOCK_CLASS = 0x70726f6a; // "proj"
const SWAP_LOCK_ID = 1;

const SWAP_LOCK_SHARED = statement(
  'projection_swap_lock_shared',
  'select pg_advisory_xact_lock_shared($1::int, $2::int)',
);

export async function holdSwapLockShared(trx: Knex.Transaction): Promise<void> {
  await runStatement(trx, SWAP_LOCK_SHARED, [SWAP_LOCK_CLASS, SWAP_LOCK_ID]);
}

/** Waits at most `timeoutMs` for running batches to finish; throws (lock_not_available) after that. */
export async function holdSwapLockExclusive(trx: Knex.Transaction, timeoutMs: number): Promise<void> {
  await trx.raw(`select set_config('lock_timeout', ?, true)`, [`${Math.max(1, Math.floor(timeoutMs))}ms`]);
  await trx.raw('select pg_advisory_xact_lock(?, ?)', [SWAP_LOCK_CLASS, SWAP_LOCK_ID]);
  await trx.raw(`select set_config('lock_timeout', '0', true)`);
}

// The schema is a value here, not a table name: one text serves every schema.
const LOCK_ACCOUNT_STREAMS = statement(
  'projection_lock_account_streams',
  `select count(pg_advisory_xact_lock(k))
     from (select hashtextextended($1::text || ':' || id, 0) as k from unnest($2::text[]) as id order by 1) keys`,
);

/**
 * Serialises the writers of each account stream (several partitions, and in production several
 * replicas, apply events of the same account) until the transaction ends. The locks are taken in one
 * statement in the order of their keys, so two batches never wait on each other in a cycle. The schema
 * is part of the key: a rebuild never waits for the live projection.
 */
export async function lockAccountStreams(
  trx: Knex.Transaction,
  schema: string,
  accountIds: readonly string[],
): Promise<void> {
  if (accountIds.length === 0) return;
  await runStatement(trx, LOCK_ACCOUNT_STREAMS, [schema, accountIds]);
}
