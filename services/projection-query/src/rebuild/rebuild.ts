import { topicName } from '@billing/contracts/topics';
import type { Knex } from '@billing/platform/db';
import { groupName } from '@billing/platform/kafka';
import type { Logger } from '@billing/platform/logger';
import type { Admin, Kafka } from 'kafkajs';
import { readModelDigest, type ReadModelDigest } from '../read-model/digest';
import { createReadModel, dropReadModel, LIVE_SCHEMA, REBUILD_SCHEMA } from '../read-model/schema';
import { CatchUpConsumer, EVENT_TOPICS, partitionKey, type OffsetMap } from './catch-up-consumer';
import { livePositions, swapIn } from './swap';

export interface RebuildDeps {
  knex: Knex;
  kafka: Kafka;
  admin: Admin;
  logger: Logger;
  topicPrefix: string;
  consumerGroup: string;
  sessionTimeoutMs: number;
  nowMs: () => number;
}

export interface RebuildLimits {
  /** The whole rebuild up to the end offsets taken at its start. */
  catchUpTimeoutMs: number;
  /** Holding the swap lock: waiting for running live batches, then applying the last few events. */
  swapLockTimeoutMs: number;
  swapCatchUpTimeoutMs: number;
  /** Swap attempts before giving up (each one first catches up without the lock). */
  swapAttemptsMax: number;
}

export const DEFAULT_REBUILD_LIMITS: RebuildLimits = {
  catchUpTimeoutMs: 60 * 60 * 1000,
  swapLockTimeoutMs: 10_000,
  swapCatchUpTimeoutMs: 30_000,
  swapAttemptsMax: 3,
};

export interface RebuildReport {
  endOffsets: Record<string, string>;
  applied: number;
  skipped: number;
  digest: ReadModelDigest;
  durationMs: number;
}

/** A lock held on one connection for the whole rebuild, so two rebuilds never share the shadow schema. */
const REBUILD_LOCK = [0x70726f6a, 2] as const;

async function endOffsets(admin: Admin, prefix: string): Promise<OffsetMap> {
  const ends: OffsetMap = new Map();
  const existing = new Set(await admin.listTopics());
  for (const id of EVENT_TOPICS) {
    const topic = topicName(id, prefix);
    if (!existing.has(topic))
      throw new Error(`topic ${topic} does not exist (wrong KAFKA_TOPIC_PREFIX, or not provisioned)`);
    for (const p of await admin.fetchTopicOffsets(topic))
      ends.set(partitionKey(topic, p.partition), BigInt(p.high));
  }
  return ends;
}

/**
 * Rebuilds every read model from the start of the event topics into REBUILD_SCHEMA, while the live
 * projection keeps consuming and queries keep answering from LIVE_SCHEMA; then swaps the two (swap.ts).
 * A fresh consumer group reads up to the end offsets taken at the start, then up to the live positions,
 * and finally, under the swap lock, up to the live positions once more, which no longer move.
 */
export async function rebuildReadModels(
  deps: RebuildDeps,
  limits: RebuildLimits = DEFAULT_REBUILD_LIMITS,
): Promise<RebuildReport> {
  const started = deps.nowMs();
  const lockConnection: unknown = await deps.knex.client.acquireConnection();
  try {
    const locked = await deps.knex
      .raw<{ rows: { ok: boolean }[] }>('select pg_try_advisory_lock(?, ?) as ok', [...REBUILD_LOCK])
      .connection(lockConnection);
    if (!locked.rows[0]?.ok) throw new Error('another rebuild is running on this database');
    return await rebuildLocked(deps, limits, started);
  } finally {
    await deps.knex
      .raw('select pg_advisory_unlock_all()')
      .connection(lockConnection)
      .catch(() => undefined);
    await deps.knex.client.releaseConnection(lockConnection);
  }
}

async function rebuildLocked(
  deps: RebuildDeps,
  limits: RebuildLimits,
  started: number,
): Promise<RebuildReport> {
  const { knex, logger } = deps;
  const ends = await endOffsets(deps.admin, deps.topicPrefix);
  await dropReadModel(knex, REBUILD_SCHEMA);
  await createReadModel(knex, REBUILD_SCHEMA);
  const groupId = groupName(deps.topicPrefix, `${deps.consumerGroup}.rebuild.${started.toString(36)}`);
  const consumer = new CatchUpConsumer({
    kafka: deps.kafka,
    logger,
    groupId,
    topicPrefix: deps.topicPrefix,
    sessionTimeoutMs: deps.sessionTimeoutMs,
    // The rebuilt positions are taken in this cluster: say so, so the live side can check it later.
    target: {
      knex,
      schema: REBUILD_SCHEMA,
      live: false,
      nowMs: deps.nowMs,
      clusterId: (await deps.admin.describeCluster()).clusterId,
    },
  });
  try {
    consumer.setTargets(ends);
    await consumer.start();
    logger.info({ groupId, partitions: ends.size }, 'rebuilding read models up to the end offsets');
    await consumer.waitUntilCaughtUp(limits.catchUpTimeoutMs);
    for (let attempt = 1; ; attempt++) {
      // Most of what arrived during the rebuild is applied without the lock, so the lock is held briefly.
      consumer.setTargets(await livePositions(knex));
      await consumer.waitUntilCaughtUp(limits.catchUpTimeoutMs);
      try {
        await swapIn(knex, {
          lockTimeoutMs: limits.swapLockTimeoutMs,
          topUp: async (live) => {
            consumer.setTargets(live);
            await consumer.waitUntilCaughtUp(limits.swapCatchUpTimeoutMs);
          },
        });
        break;
      } catch (err) {
        if (attempt >= limits.swapAttemptsMax) throw err;
        logger.warn({ err, attempt }, 'swap failed; catching up again before the next attempt');
      }
    }
  } catch (err) {
    await dropReadModel(knex, REBUILD_SCHEMA).catch(() => undefined);
    throw err;
  } finally {
    await consumer.stop();
    await deps.admin
      .deleteGroups([groupId])
      .catch((err: unknown) => logger.warn({ err, groupId }, 'could not delete the rebuild group'));
  }
  return {
    endOffsets: Object.fromEntries([...ends].map(([k, v]) => [k, v.toString()])),
    applied: consumer.counts.applied,
    skipped: consumer.counts.skipped,
    digest: await readModelDigest(knex, LIVE_SCHEMA),
    durationMs: deps.nowMs() - started,
  };
}
