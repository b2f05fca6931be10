import type { Knex } from '@billing/platform/db';
import { holdSwapLockExclusive } from '../read-model/locks';
import { readPositions } from '../read-model/positions';
import { LIVE_SCHEMA, PREVIOUS_SCHEMA, REBUILD_SCHEMA, schemaExists } from '../read-model/schema';
import { partitionKey, type OffsetMap } from './catch-up-consumer';

export async function livePositions(knex: Knex): Promise<OffsetMap> {
  if (!(await schemaExists(knex, LIVE_SCHEMA))) return new Map();
  const rows = await readPositions(knex, LIVE_SCHEMA);
  return new Map(rows.map((r) => [partitionKey(r.topic, r.partition), BigInt(r.next_offset)]));
}

/**
 * Swaps the rebuilt schema in, in one transaction:
 *
 * 1. Take the swap lock exclusively. Live batches hold it shared for their whole transaction, so this
 *    waits for the running ones to commit and holds back new ones: the live positions stop moving.
 * 2. Read the live positions and let the rebuild apply up to them (`topUp`), in its own transactions on
 *    other connections. The rebuilt schema then holds everything the live one holds, or more.
 * 3. Rename live -> previous and rebuilt -> live, and commit. Renaming a schema is a catalog change that
 *    commits atomically: queries see the old tables until the commit and the new ones after it.
 *
 * Nothing is lost across the swap: a live batch that waited on the lock resolves its table names after
 * the commit, finds the rebuilt positions, and applies only what they do not cover yet; Kafka redelivers
 * the rest in order. Queries never wait, because they do not take the lock.
 */
export async function swapIn(
  knex: Knex,
  options: { lockTimeoutMs: number; topUp: (live: OffsetMap) => Promise<void> },
): Promise<void> {
  await knex.transaction(async (trx) => {
    await holdSwapLockExclusive(trx, options.lockTimeoutMs);
    if (await schemaExists(trx, LIVE_SCHEMA)) {
      await options.topUp(await livePositions(trx));
      await trx.raw('drop schema if exists ?? cascade', [PREVIOUS_SCHEMA]);
      await trx.raw('alter schema ?? rename to ??', [LIVE_SCHEMA, PREVIOUS_SCHEMA]);
    }
    await trx.raw('alter schema ?? rename to ??', [REBUILD_SCHEMA, LIVE_SCHEMA]);
  });
}
