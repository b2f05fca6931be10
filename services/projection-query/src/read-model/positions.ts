import { runStatement, type Knex } from '@billing/platform/db';
import { perSchema } from '../shared/statements';
import { tableOf } from './schema';

export interface Positioned {
  offset: string;
  highWatermark?: string;
  message: { occurredAt: string };
}

/**
 * A stored position that belongs to another log: the broker's cluster changed (a new local broker, a
 * restored or migrated cluster) or the topic was recreated (the position lies beyond the log's end).
 * Applying would silently drop every event below the old position, so the batch is refused and waited
 * on (it is transient by its own word: never dead-lettered) while readiness and the metrics raise the
 * alarm. The way out is rebuilding the read models from the topics.
 */
export class PositionMismatchError extends Error {
  readonly transient = true;
  constructor(detail: string) {
    super(`${detail}; the read models belong to another log: run \`npm run projections:rebuild\``);
  }
}

export interface LogIdentity {
  /** The broker cluster's id (KRaft cluster id); null when unknown (then only offsets are checked). */
  clusterId: string | null;
}

/**
 * Keeps the consumer's position in the read model, in the same transaction as the writes it covers:
 * returns the messages of the batch not applied yet (offset >= the stored next offset) and moves the
 * stored position past them. A redelivered batch therefore changes nothing, and a rebuilt schema
 * carries the exact position it reflects, which is what makes the swap safe (see rebuild/swap.ts).
 * Offsets may jump forward (a dead-lettered message, a compacted log); they never go back.
 *
 * A batch may span partitions (a consumer applies one fetch's partitions together). Their positions
 * are read and locked in one statement, in (topic, partition) order so that two transactions lock the
 * rows in the same order, and moved in one upsert: two statements however many partitions. The
 * messages not applied yet come back in the batch's order.
 */
export async function advancePositions<T extends Positioned & { topic: string; partition: number }>(
  trx: Knex.Transaction,
  schema: string,
  batch: readonly T[],
  nowIso: string,
  identity: LogIdentity = { clusterId: null },
): Promise<T[]> {
  if (batch.length === 0) return [];
  const byPartition = new Map<string, { topic: string; partition: number; messages: T[] }>();
  for (const m of batch) {
    const key = `${m.topic}/${m.partition}`;
    const group = byPartition.get(key);
    if (group) group.messages.push(m);
    else byPartition.set(key, { topic: m.topic, partition: m.partition, messages: [m] });
  }
  const groups = [...byPartition.values()].sort((a, b) =>
    a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
  );
  const stored = await runStatement<StoredPosition>(trx, LOCK_POSITIONS(schema), [
    groups.map((g) => g.topic),
    groups.map((g) => g.partition),
  ]);
  const current = new Map(stored.map((r) => [`${r.topic}/${r.partition}`, r]));
  const fresh = new Set<T>();
  const moved: MovedPosition[] = [];
  for (const g of groups) {
    const row = current.get(`${g.topic}/${g.partition}`);
    const next = BigInt(row?.next_offset ?? '0');
    const place = `${g.topic}/${g.partition}`;
    if (row?.cluster_id && identity.clusterId && row.cluster_id !== identity.clusterId) {
      throw new PositionMismatchError(
        `the position of ${place} was taken in Kafka cluster ${row.cluster_id}, this is cluster ${identity.clusterId}`,
      );
    }
    const end = g.messages[0]?.highWatermark;
    if (row && end !== undefined && next > BigInt(end)) {
      throw new PositionMismatchError(
        `the stored position ${next} of ${place} is beyond the log's end ${end}`,
      );
    }
    const unapplied = g.messages.filter((m) => BigInt(m.offset) >= next);
    const last = unapplied.at(-1);
    if (last === undefined) continue;
    for (const m of unapplied) fresh.add(m);
    const newest = unapplied.reduce(
      (max, m) => (Date.parse(m.message.occurredAt) > max ? Date.parse(m.message.occurredAt) : max),
      row?.last_event_at?.getTime() ?? 0,
    );
    moved.push({
      topic: g.topic,
      partition: g.partition,
      next_offset: (BigInt(last.offset) + 1n).toString(),
      last_event_at: new Date(newest).toISOString(),
      applied_at: nowIso,
      // Kept as it was when the cluster is unknown (a row's columns must be the same for every row).
      cluster_id: identity.clusterId ?? row?.cluster_id ?? null,
    });
  }
  if (moved.length > 0)
    await runStatement(trx, MOVE_POSITIONS(schema), [
      moved.map((p) => p.topic),
      moved.map((p) => p.partition),
      moved.map((p) => p.next_offset),
      moved.map((p) => p.last_event_at),
      moved.map((p) => p.applied_at),
      moved.map((p) => p.cluster_id),
    ]);
  return batch.filter((m) => fresh.has(m));
}

// Locked in (topic, partition) order, so that two batches lock the rows of shared partitions in one order.
const LOCK_POSITIONS = perSchema(
  'positions_lock',
  (schema) =>
    `select topic, partition, next_offset, last_event_at, cluster_id from ${schema}.positions
     where (topic, partition) in (select * from unnest($1::text[], $2::int[]))
     order by topic asc, partition asc
     for update`,
);

const MOVE_POSITIONS = perSchema(
  'positions_move',
  (schema) =>
    `insert into ${schema}.positions (topic, partition, next_offset, last_event_at, applied_at, cluster_id)
     select * from unnest($1::text[], $2::int[], $3::bigint[], $4::timestamptz[], $5::timestamptz[], $6::text[])
     on conflict (topic, partition) do update
       set next_offset = excluded.next_offset, last_event_at = excluded.last_event_at,
           applied_at = excluded.applied_at, cluster_id = excluded.cluster_id`,
);

interface MovedPosition {
  topic: string;
  partition: number;
  next_offset: string;
  last_event_at: string;
  applied_at: string;
  cluster_id: string | null;
}

interface StoredPosition {
  topic: string;
  partition: number;
  next_offset: string;
  last_event_at: Date | null;
  cluster_id: string | null;
}

export interface PositionRow {
  topic: string;
  partition: number;
  next_offset: string;
  last_event_at: Date | null;
  applied_at: Date;
  cluster_id: string | null;
}

export async function readPositions(knex: Knex, schema: string): Promise<PositionRow[]> {
  return knex(tableOf(schema, 'positions')).select<PositionRow[]>('*');
}
