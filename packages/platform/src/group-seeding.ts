import type { Admin } from 'kafkajs';
import type { Logger } from 'pino';

/** A group a consumer was known by before, and the topic it read under that name. */
export interface FormerGroup {
  groupId: string;
  topic: string;
}

export type SeedResult = 'has-offsets' | 'nothing-to-take' | 'seeded' | 'refused';

/**
 * Runs an admin call again while the broker answers with a retriable error: a group's coordinator that
 * is still loading (a broker just started) answers NOT_COORDINATOR, which kafkajs' admin does not retry
 * for offset fetches. Gives up after about 15 s and throws the last error.
 */
export async function withCoordinatorRetries<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const retriable = (err as { retriable?: boolean }).retriable === true;
      if (!retriable || attempt >= 15) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 100 * 2 ** attempt)));
    }
  }
}

/**
 * Places a renamed consumer group where its former groups stood: when `groupId` has no offset on any
 * of the topics yet, each topic's committed offsets are copied from the group that read it before. A
 * renamed group would otherwise start from the beginning of its topics (services consume from the
 * earliest offset), and redeliver commands older than the inbox remembers.
 *
 * Offsets are copied as they are at this moment; a replica of the old version still consuming under the
 * old name meanwhile is one more redelivery, which the inbox skips. A failure to copy (another replica
 * joined the group first) is logged and the group starts as it would have anyway. Reading the offsets
 * is retried while the broker is not ready to answer; should it still fail, this throws and the service
 * does not start, rather than start a renamed group from the beginning.
 */
export async function seedGroupFromFormer(
  admin: Admin,
  groupId: string,
  former: readonly FormerGroup[],
  log: Logger,
): Promise<SeedResult> {
  if (former.length === 0) return 'nothing-to-take';
  const topics = [...new Set(former.map((f) => f.topic))];
  const own = await withCoordinatorRetries(() => admin.fetchOffsets({ groupId, topics }));
  if (own.some((t) => t.partitions.some((p) => Number(p.offset) >= 0))) return 'has-offsets';
  const taken: { topic: string; partitions: { partition: number; offset: string }[]; from: string }[] = [];
  for (const f of former) {
    const offsets = await withCoordinatorRetries(() =>
      admin.fetchOffsets({ groupId: f.groupId, topics: [f.topic] }),
    );
    const partitions = offsets
      .flatMap((t) => t.partitions)
      .filter((p) => Number(p.offset) >= 0)
      .map((p) => ({ partition: p.partition, offset: p.offset }));
    if (partitions.length > 0) taken.push({ topic: f.topic, partitions, from: f.groupId });
  }
  if (taken.length === 0) return 'nothing-to-take';
  try {
    for (const t of taken) await admin.setOffsets({ groupId, topic: t.topic, partitions: t.partitions });
  } catch (err) {
    log.warn({ err, groupId }, "could not place the renamed consumer group at its former groups' offsets");
    return 'refused';
  }
  log.info(
    { groupId, from: taken.map((t) => `${t.from} (${t.topic}, ${t.partitions.length} partitions)`) },
    'consumer group placed at the offsets of the groups it replaces',
  );
  return 'seeded';
}
