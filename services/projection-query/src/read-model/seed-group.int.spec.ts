import { groupName } from '@billing/platform/kafka';
import { createLogger } from '@billing/platform/logger';
import { waitFor } from '@billing/testing/wait';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aSummary, aTransactionEvent, anAccountOpened } from '../../test/builders';
import { startProjection, type ProjectionHarness } from '../../test/harness';
import { READ_MODELS_CONSUMER } from '../runtime';
import { readPositions } from './positions';
import { LIVE_SCHEMA } from './schema';
import { seedGroupFromPositions } from './seed-group';

/**
 * The read models are built by one consumer group of both event topics, and a group that is new (as
 * it was when the two per-topic groups became one) starts where the stored positions stand instead of
 * at the start of the log. Against the real broker and PostgreSQL.
 */
let h: ProjectionHarness;
const logger = createLogger('seed-group-test', 'silent');

beforeAll(async () => {
  h = await startProjection('seed-group');
  for (let i = 0; i < 3; i++) {
    await h.publish('ledgerEvents', `account-${i}`, anAccountOpened({}));
    await h.publish('transactionEvents', `transaction-${i}`, aTransactionEvent('pending', aSummary()));
  }
  await h.caughtUp();
});

afterAll(async () => {
  await h?.stop();
});

const eventTopics = () => [h.topic('ledgerEvents'), h.topic('transactionEvents')];

async function committed(groupId: string): Promise<Map<string, string>> {
  const offsets = await h.admin.fetchOffsets({ groupId, topics: eventTopics() });
  return new Map(
    offsets.flatMap((t) =>
      t.partitions.filter((p) => Number(p.offset) >= 0).map((p) => [`${t.topic}/${p.partition}`, p.offset]),
    ),
  );
}

async function storedPositions(): Promise<Map<string, string>> {
  const rows = await readPositions(h.projection.worker.knex, LIVE_SCHEMA);
  return new Map(
    rows
      .filter((r) => eventTopics().includes(r.topic))
      .map((r) => [`${r.topic}/${r.partition}`, String(r.next_offset)]),
  );
}

describe('the read models consumer group', () => {
  it('is one group for both event topics, and commits where the positions stand', async () => {
    const group = groupName(h.prefix, `${h.config.PROJECTION_CONSUMER_GROUP}.${READ_MODELS_CONSUMER}`);
    const positions = await storedPositions();
    expect([...positions.keys()].some((k) => k.startsWith(h.topic('ledgerEvents')))).toBe(true);
    expect([...positions.keys()].some((k) => k.startsWith(h.topic('transactionEvents')))).toBe(true);
    // Offsets are committed at most once a second.
    await waitFor('the group committed both topics', async () => {
      const offsets = await committed(group);
      return [...positions].every(([k, v]) => offsets.get(k) === v) ? true : undefined;
    });
  });

  it('starts a group without offsets at the stored positions, and leaves one that has offsets alone', async () => {
    const fresh = groupName(h.prefix, 'projection-query.seed-probe');
    const first = await seedGroupFromPositions({
      admin: h.admin,
      knex: h.projection.worker.knex,
      schema: LIVE_SCHEMA,
      groupId: fresh,
      topics: eventTopics(),
      clusterId: (await h.admin.describeCluster()).clusterId,
      logger,
    });
    const positions = await storedPositions();
    expect(first).toEqual({ kind: 'seeded', partitions: positions.size });
    expect(await committed(fresh)).toEqual(positions);

    const again = await seedGroupFromPositions({
      admin: h.admin,
      knex: h.projection.worker.knex,
      schema: LIVE_SCHEMA,
      groupId: fresh,
      topics: eventTopics(),
      clusterId: null,
      logger,
    });
    expect(again.kind).toBe('has-offsets');
  });

  it('does not start from positions taken in another cluster, nor from topics without positions', async () => {
    const base = {
      admin: h.admin,
      knex: h.projection.worker.knex,
      schema: LIVE_SCHEMA,
      logger,
    };
    const otherCluster = await seedGroupFromPositions({
      ...base,
      groupId: groupName(h.prefix, 'projection-query.seed-other-cluster'),
      topics: eventTopics(),
      clusterId: 'another-cluster-id',
    });
    expect(otherCluster.kind).toBe('nothing-stored');
    const noPositions = await seedGroupFromPositions({
      ...base,
      groupId: groupName(h.prefix, 'projection-query.seed-no-positions'),
      topics: [h.topic('deadLetter')],
      clusterId: null,
    });
    expect(noPositions.kind).toBe('nothing-stored');
    expect(
      await h.admin.fetchOffsets({
        groupId: groupName(h.prefix, 'projection-query.seed-other-cluster'),
        topics: eventTopics(),
      }),
    ).toSatisfy((ts: { partitions: { offset: string }[] }[]) =>
      ts.every((t) => t.partitions.every((p) => Number(p.offset) < 0)),
    );
  });
});
