import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { IntervalCommitter, type PartitionOffset } from './offset-committer';
import { waitFor } from '@billing/testing/wait';

const log = pino({ level: 'silent' });
const at = (partition: number, offset: number): PartitionOffset => ({
  topic: 't',
  partition,
  offset: String(offset),
});

describe('the interval committer', () => {
  it('commits the first progress at once, then the latest offset of every partition once per interval', async () => {
    const commits: PartitionOffset[][] = [];
    const c = new IntervalCommitter({ commit: async (o) => void commits.push(o), intervalMs: 200, log });
    c.progress([at(0, 5)]);
    c.progress([at(1, 3)]);
    c.progress([at(0, 9)]);
    expect(commits).toEqual([[at(0, 5)]]);
    await waitFor('the next commit', () => (commits.length === 2 ? true : undefined), { timeoutMs: 2000 });
    expect(commits[1]).toEqual([at(1, 3), at(0, 9)]);
    await c.stop();
    expect(commits).toHaveLength(2);
  });

  it('commits what is pending when stopped, and forgets what a rebalance made stale', async () => {
    const commits: PartitionOffset[][] = [];
    const c = new IntervalCommitter({ commit: async (o) => void commits.push(o), intervalMs: 60_000, log });
    c.progress([at(0, 1)]);
    c.progress([at(2, 7)]);
    c.progress([at(3, 8)]);
    c.forget();
    c.progress([at(4, 2)]);
    await c.stop();
    expect(commits).toEqual([[at(0, 1)], [at(4, 2)]]);
  });

  it('keeps the offsets of a failed commit for the next one, unless newer progress replaced them', async () => {
    const commits: PartitionOffset[][] = [];
    let fail = true;
    const c = new IntervalCommitter({
      commit: async (o) => {
        if (fail) {
          fail = false;
          throw new Error('coordinator not available');
        }
        commits.push(o);
      },
      intervalMs: 60_000,
      log,
    });
    c.progress([at(0, 1), at(1, 1)]);
    // Newer progress of partition 1 while the failing commit is in flight.
    c.progress([at(1, 4)]);
    await c.stop();
    expect(commits).toEqual([[at(1, 4), at(0, 1)]]);
  });

  it('drops the offsets of a commit refused because the group moved on', async () => {
    const commits: PartitionOffset[][] = [];
    let refuse = true;
    const c = new IntervalCommitter({
      commit: async (o) => {
        if (refuse) {
          refuse = false;
          throw Object.assign(new Error('The coordinator is not aware of this member'), {
            type: 'UNKNOWN_MEMBER_ID',
          });
        }
        commits.push(o);
      },
      intervalMs: 60_000,
      log,
    });
    c.progress([at(0, 1)]);
    await new Promise((r) => setImmediate(r));
    await c.stop();
    expect(commits).toEqual([]);
  });
});
