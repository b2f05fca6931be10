import type { Knex } from '@billing/platform/db';
import type { Logger } from '@billing/platform/logger';
import { withCoordinatorRetries } from '@billing/platform/group-seeding';
import type { Admin } from 'kafkajs';
import { readPositions } from './positions';

export interface SeedOutcome {
  /** What was done: the group had offsets already, there was nothing stored to start from, or it was seeded. */
  kind: 'has-offsets' | 'nothing-stored' | 'seeded' | 'refused';
  partitions: number;
}

/**
 * Starts a consumer group that has no offsets yet where the read models stand: at each partition's
 * stored position. A group named anew (its name changed, as when the two event consumers became one)
 * would otherwise read every event topic from its start, which the positions skip, but only after
 * reading it all; a read side that lags by the whole log is not one anybody wants to deploy.
 *
 * The positions stay the authority: a group seeded behind them redelivers what they skip, and a failure
 * here (another replica already joined, a broker refusing) only costs that re-read, so it is logged and
 * the consumer starts anyway. Positions taken in another cluster are not used (the read side raises its
 * alarm on them instead).
 */
export async function seedGroupFromPositions(options: {
  admin: Admin;
  knex: Knex;
  schema: string;
  groupId: string;
  topics: readonly string[];
  clusterId: string | null;
  logger: Logger;
}): Promise<SeedOutcome> {
  const { admin, groupId, topics, logger } = options;
  let committed: Awaited<ReturnType<Admin['fetchOffsets']>>;
  try {
    committed = await withCoordinatorRetries(() => admin.fetchOffsets({ groupId, topics: [...topics] }));
  } catch (err) {
    // The positions are the authority: without the group's offsets it starts as it would have anyway.
    logger.warn({ err, groupId }, 'could not read the consumer group offsets; starting without placing it');
    return { kind: 'refused', partitions: 0 };
  }
  if (committed.some((t) => t.partitions.some((p) => Number(p.offset) >= 0)))
    return { kind: 'has-offsets', partitions: 0 };
  const stored = (await readPositions(options.knex, options.schema)).filter(
    (r) =>
      topics.includes(r.topic) &&
      (options.clusterId === null || r.cluster_id === null || r.cluster_id === options.clusterId),
  );
  if (stored.length === 0) return { kind: 'nothing-stored', partitions: 0 };
  try {
    for (const topic of topics) {
      const partitions = stored
        .filter((r) => r.topic === topic)
        .map((r) => ({ partition: r.partition, offset: String(r.next_offset) }));
      if (partitions.length > 0) await admin.setOffsets({ groupId, topic, partitions });
    }
  } catch (err) {
    logger.warn(
      { err, groupId },
      'could not start the new consumer group at the stored positions; it reads from the start, and the positions skip what was applied',
    );
    return { kind: 'refused', partitions: 0 };
  }
  logger.info(
    { groupId, partitions: stored.length },
    'consumer group started at the stored read-model positions',
  );
  return { kind: 'seeded', partitions: stored.length };
}
