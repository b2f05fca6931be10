import type { Knex } from '@billing/platform/db';
import { gauge } from '@billing/platform/metrics';
import type { Admin } from 'kafkajs';
import { readPositions } from '../read-model/positions';
import { tableOf } from '../read-model/schema';

export interface PartitionLag {
  topic: string;
  partition: number;
  /** The broker's high watermark: the offset the next message will get. */
  endOffset: bigint;
  /** The next offset the read model will apply (its stored position). */
  appliedOffset: bigint;
}

/** How far the read models are behind, as of one moment. */
export interface ReadSideSnapshot {
  partitions: PartitionLag[];
  /** Per topic, when the newest event applied so far happened; null before the first one. */
  lastEventAtMs: Record<string, number | null>;
  pendingEvents: number;
  oldestPendingAtMs: number | null;
  /** Stored positions that belong to another log: never lag 0, always an alarm. */
  alarms: PositionAlarm[];
}

export interface PositionAlarm {
  topic: string;
  partition: number;
  reason: 'cluster-changed' | 'beyond-log-end';
  detail: string;
}

/**
 * Reads the snapshot: end offsets from the broker, positions from the read model (written with the
 * read models, so lag counts what is applied, not merely fetched), parked events from the pending table.
 */
export async function readSideSnapshot(
  knex: Knex,
  admin: Admin,
  schema: string,
  topics: readonly string[],
  clusterId: string | null = null,
): Promise<ReadSideSnapshot> {
  const positions = await readPositions(knex, schema);
  const partitions: PartitionLag[] = [];
  const alarms: PositionAlarm[] = [];
  const lastEventAtMs: Record<string, number | null> = {};
  for (const topic of topics) {
    const ends = await admin.fetchTopicOffsets(topic);
    const mine = positions.filter((p) => p.topic === topic);
    for (const end of ends) {
      const stored = mine.find((p) => p.partition === end.partition);
      const applied = stored?.next_offset ?? end.low;
      const where = `${topic}/${end.partition}`;
      if (stored?.cluster_id && clusterId && stored.cluster_id !== clusterId) {
        alarms.push({
          topic,
          partition: end.partition,
          reason: 'cluster-changed',
          detail: `${where} was read in Kafka cluster ${stored.cluster_id}; this broker is cluster ${clusterId}`,
        });
      } else if (stored && BigInt(stored.next_offset) > BigInt(end.high)) {
        alarms.push({
          topic,
          partition: end.partition,
          reason: 'beyond-log-end',
          detail: `${where} is at offset ${stored.next_offset}, beyond the log's end ${end.high}`,
        });
      }
      partitions.push({
        topic,
        partition: end.partition,
        endOffset: BigInt(end.high),
        appliedOffset: BigInt(applied),
      });
    }
    const times = mine.flatMap((p) => (p.last_event_at ? [p.last_event_at.getTime()] : []));
    lastEventAtMs[topic] = times.length > 0 ? Math.max(...times) : null;
  }
  const pending = await knex(tableOf(schema, 'pending_events')).first<{ count: string; oldest: Date | null }>(
    knex.raw('count(*) as count'),
    knex.raw('min(parked_at) as oldest'),
  );
  return {
    partitions,
    lastEventAtMs,
    pendingEvents: Number(pending?.count ?? 0),
    oldestPendingAtMs: pending?.oldest?.getTime() ?? null,
    alarms,
  };
}

export function lagOf(p: PartitionLag): bigint {
  return p.endOffset > p.appliedOffset ? p.endOffset - p.appliedOffset : 0n;
}

/** The readiness detail: lag and freshness per topic, and what waits for a gap to close. */
export function readinessDetail(s: ReadSideSnapshot, nowMs: number) {
  const topics: Record<string, { lag: string; lastEventAgeSeconds: number | null }> = {};
  for (const [topic, at] of Object.entries(s.lastEventAtMs)) {
    const lag = s.partitions.filter((p) => p.topic === topic).reduce((sum, p) => sum + lagOf(p), 0n);
    topics[topic] = { lag: lag.toString(), lastEventAgeSeconds: at === null ? null : ageSeconds(at, nowMs) };
  }
  return {
    topics,
    ...(s.alarms.length > 0
      ? {
          alarms: s.alarms,
          wayOut: 'the read models belong to another log: run `npm run projections:rebuild`',
        }
      : {}),
    pendingEvents: s.pendingEvents,
    oldestPendingAgeSeconds: s.oldestPendingAtMs === null ? null : ageSeconds(s.oldestPendingAtMs, nowMs),
  };
}

function ageSeconds(atMs: number, nowMs: number): number {
  return Math.max(0, (nowMs - atMs) / 1000);
}

const gauges = {
  lag: gauge({
    name: 'projection_consumer_lag_messages',
    help: 'Messages on the broker not yet applied to the read models.',
    labelNames: ['topic', 'partition'],
  }),
  applied: gauge({
    name: 'projection_applied_offset',
    help: 'The next offset the read models will apply, per partition.',
    labelNames: ['topic', 'partition'],
  }),
  age: gauge({
    name: 'projection_last_applied_event_age_seconds',
    help: 'Age of the newest event applied to the read models, per topic.',
    labelNames: ['topic'],
  }),
  at: gauge({
    name: 'projection_last_applied_event_timestamp_seconds',
    help: 'When the newest event applied to the read models happened, per topic.',
    labelNames: ['topic'],
  }),
  alarm: gauge({
    name: 'projection_position_alarm',
    help: 'Partitions whose stored position belongs to another log (cluster changed, or beyond the log end).',
    labelNames: ['topic', 'partition', 'reason'],
  }),
  pending: gauge({
    name: 'projection_pending_events',
    help: 'Account events parked until an earlier event arrives.',
  }),
  pendingAge: gauge({
    name: 'projection_pending_oldest_age_seconds',
    help: 'How long the oldest parked event has waited; growing means an event is missing.',
  }),
};

/**
 * Sets the read side's gauges (in the platform's registry, served on /metrics) from one snapshot; every
 * labelled gauge is reset first, so a partition or alarm that is gone disappears from the scrape.
 */
export function recordReadSide(s: ReadSideSnapshot, nowMs: number): void {
  for (const g of [gauges.lag, gauges.applied, gauges.age, gauges.at, gauges.alarm]) g.reset();
  for (const p of s.partitions) {
    gauges.lag.labels(p.topic, String(p.partition)).set(Number(lagOf(p)));
    gauges.applied.labels(p.topic, String(p.partition)).set(Number(p.appliedOffset));
  }
  for (const [topic, at] of Object.entries(s.lastEventAtMs)) {
    if (at === null) continue;
    gauges.age.labels(topic).set(ageSeconds(at, nowMs));
    gauges.at.labels(topic).set(at / 1000);
  }
  for (const a of s.alarms) gauges.alarm.labels(a.topic, String(a.partition), a.reason).set(1);
  gauges.pending.set(s.pendingEvents);
  gauges.pendingAge.set(s.oldestPendingAtMs === null ? 0 : ageSeconds(s.oldestPendingAtMs, nowMs));
}
