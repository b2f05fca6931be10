import type { Knex } from '@billing/platform/db';
import { tableOf } from './schema';

export interface Positioned {
  offset: string;
  message: { occurredAt: string };
}

/**
 * Keeps the consumer's position in the read model, in the same transaction as the writes it covers:
 * returns the messages of the batch not applied yet (offset >= the stored next offset) and moves the
 * stored position past the batch. A redelivered batch therefore changes nothing, and a rebuilt schema
 * carries the exact position it reflects, which is what makes the swap safe (see rebuild/swap.ts).
 * Offsets may jump forward (a dead-lettered message, a compacted log); they never go back.
 */
export async function advancePosition<T extends Positioned>(
  trx: Knex.Transaction,
  schema: string,
  where: { topic: string; partition: number },
  batch: readonly T[],
  nowIso: string,
): Promise<T[]> {
  const positions = tableOf(schema, 'positions');
  const current = await trx(positions)
    .where(where)
    .forUpdate()
    .first<{ next_offset: string; last_event_at: Date | null } | undefined>();
  const next = BigInt(current?.next_offset ?? '0');
  const fresh = batch.filter((m) => BigInt(m.offset) >= next);
  const last = fresh.at(-1);
  if (last === undefined) return [];
  const newest = fresh.reduce(
    (max, m) => (Date.parse(m.message.occurredAt) > max ? Date.parse(m.message.occurredAt) : max),
    current?.last_event_at?.getTime() ?? 0,
  );
  await trx(positions)
    .insert({
      ...where,
      next_offset: (BigInt(last.offset) + 1n).toString(),
      last_event_at: new Date(newest).toISOString(),
      applied_at: nowIso,
    })
    .onConflict(['topic', 'partition'])
    .merge();
  return fresh;
}

export interface PositionRow {
  topic: string;
  partition: number;
  next_offset: string;
  last_event_at: Date | null;
  applied_at: Date;
}

export async function readPositions(knex: Knex, schema: string): Promise<PositionRow[]> {
  return knex(tableOf(schema, 'positions')).select<PositionRow[]>('*');
}
