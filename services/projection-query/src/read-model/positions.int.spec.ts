import { waitFor } from '@billing/testing/wait';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { anAccountOpened } from '../../test/builders';
import { startProjection, type ProjectionHarness } from '../../test/harness';
import { advancePositions } from './positions';
import { LIVE_SCHEMA, tableOf } from './schema';

/**
 * A stored position is an offset in one cluster's log. When the log is another one (a new broker, a
 * recreated topic), the read side must say so and wait, never take the new log's events as applied.
 */
let h: ProjectionHarness;
const KEY = 'one-partition';
const admin = { kind: 'admin' as const, id: 'a' };

beforeAll(async () => {
  h = await startProjection('positions');
});

afterAll(async () => {
  await h?.stop();
});

const positions = () => h.projection.worker.knex(tableOf(LIVE_SCHEMA, 'positions'));

async function readiness(): Promise<{
  status: number;
  body: { checks: { name: string; ok: boolean; detail?: unknown }[] };
}> {
  const res = await fetch(`${h.url}/health/ready`);
  return { status: res.status, body: (await res.json()) as never };
}

async function partitionOf(accountId: string): Promise<{ partition: number; next_offset: string }> {
  const opened = anAccountOpened({ accountId });
  await h.publish('ledgerEvents', KEY, opened);
  await h.caughtUp();
  const row = await positions()
    .where({ topic: h.topic('ledgerEvents') })
    .andWhere('next_offset', '>', '0')
    .first<{ partition: number; next_offset: string }>();
  return row;
}

async function applied(accountId: string): Promise<boolean> {
  return (await h.ask({ type: 'GetAccount', actor: admin, accountId })).ok;
}

describe('positions know which log they are positions in', () => {
  it('records the Kafka cluster id with every position', async () => {
    await partitionOf('018f0000-0000-7000-8000-00000000a001');
    const { clusterId } = await h.admin.describeCluster();
    const rows = await positions()
      .where({ topic: h.topic('ledgerEvents') })
      .andWhere('next_offset', '>', '0');
    expect(rows.map((r: { cluster_id: string }) => r.cluster_id)).toEqual(rows.map(() => clusterId));
  });

  it.each([
    ['a position beyond the log end (the topic was recreated)', 'beyond-log-end'],
    ['a position taken in another cluster (a new broker)', 'cluster-changed'],
  ] as const)(
    'treats %s as an alarm, not lag 0, and drops no event while it lasts',
    async (_what, reason) => {
      const where = {
        topic: h.topic('ledgerEvents'),
        partition: (await partitionOf('018f0000-0000-7000-8000-00000000a002')).partition,
      };
      const before = await positions().where(where).first<{ next_offset: string; cluster_id: string }>();
      const tampered =
        reason === 'beyond-log-end'
          ? { next_offset: (BigInt(before!.next_offset) + 100_000n).toString() }
          : { cluster_id: 'another-cluster-id' };
      await positions().where(where).update(tampered);

      const later = `018f0000-0000-7000-8000-00000000b${reason === 'beyond-log-end' ? '001' : '002'}`;
      await h.publish('ledgerEvents', KEY, anAccountOpened({ accountId: later }));
      const alarmed = await waitFor('not ready with the alarm', async () => {
        const r = await readiness();
        return r.status === 503 ? r : undefined;
      });
      const readSide = alarmed.body.checks.find((c) => c.name === 'read-side');
      expect(readSide).toMatchObject({
        ok: false,
        detail: { alarms: [expect.objectContaining({ reason })] },
      });
      expect(JSON.stringify(readSide)).toContain('npm run projections:rebuild');
      expect(await (await fetch(`${h.url}/metrics`)).text()).toMatch(
        new RegExp(`projection_position_alarm\\{[^}]*reason="${reason}"\\} 1`),
      );
      // The new event was delivered, but neither applied nor taken as applied.
      expect(await applied(later)).toBe(false);
      expect(await positions().where(where).first()).toMatchObject(tampered);

      // Put the position back (what a rebuild does in its own way): the waiting event is applied.
      await positions()
        .where(where)
        .update({ next_offset: before!.next_offset, cluster_id: before!.cluster_id });
      await waitFor('the waiting event applied', async () => ((await applied(later)) ? true : undefined), {
        timeoutMs: 30_000,
      });
      expect((await readiness()).status).toBe(200);
    },
  );
});

describe('a batch spanning partitions (a consumer applies a fetch’s partitions together)', () => {
  it('moves each partition’s position and returns only what was not applied, in the batch’s order', async () => {
    const topic = `joint-${Date.now()}`;
    const at = (partition: number, offset: number) => ({
      topic,
      partition,
      offset: String(offset),
      highWatermark: '100',
      message: { occurredAt: new Date(1_700_000_000_000 + offset).toISOString() },
    });
    const knex = h.projection.worker.knex;
    const batch = [at(4, 0), at(1, 0), at(4, 1), at(1, 1)];
    const apply = (b: ReturnType<typeof at>[]) =>
      knex.transaction((trx) => advancePositions(trx, LIVE_SCHEMA, b, new Date().toISOString()));
    expect(await apply(batch)).toEqual(batch);
    const rows = await positions().where({ topic }).orderBy('partition');
    expect(rows.map((r: { partition: number; next_offset: string }) => [r.partition, r.next_offset])).toEqual(
      [
        [1, '2'],
        [4, '2'],
      ],
    );
    // Redelivered with one new message on partition 1: only that one is fresh.
    expect(await apply([...batch, at(1, 2)])).toEqual([at(1, 2)]);
  });

  it('reads and moves the positions of all its partitions with two statements', async () => {
    const topic = `joint-statements-${Date.now()}`;
    const batch = [0, 1, 2, 3, 4, 5].flatMap((partition) =>
      [0, 1].map((offset) => ({
        topic,
        partition,
        offset: String(offset),
        message: { occurredAt: new Date(1_700_000_000_000 + offset).toISOString() },
      })),
    );
    const knex = h.projection.worker.knex;
    // Counted on the transaction's connection: fixed statements do not pass through the query builder.
    let statements = 0;
    await knex.transaction(async (trx) => {
      const client = trx.client as unknown as { acquireConnection(): Promise<{ query: () => unknown }> };
      const connection = await client.acquireConnection();
      const query = vi.spyOn(connection, 'query');
      try {
        await advancePositions(trx, LIVE_SCHEMA, batch, new Date().toISOString());
      } finally {
        statements = query.mock.calls.length;
        query.mockRestore();
      }
    });
    expect(statements).toBe(2);
    const rows = await positions().where({ topic });
    expect(rows).toHaveLength(6);
    expect(new Set(rows.map((r: { next_offset: string }) => r.next_offset))).toEqual(new Set(['2']));
  });
});
