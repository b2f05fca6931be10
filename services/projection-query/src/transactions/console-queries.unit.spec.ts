import { describe, expect, it } from 'vitest';
import { minuteBuckets } from './activity.query';
import { timelineSteps } from './timeline.query';

const MINUTE = 60_000;
const T0 = Date.parse('2026-03-01T10:00:00.000Z');

describe('minuteBuckets', () => {
  it('gives every minute of the window a bucket and counts each status once as created', () => {
    const buckets = minuteBuckets(T0, T0 + 3 * MINUTE, [
      { minute: new Date(T0), status: 'completed', count: 3 },
      { minute: new Date(T0), status: 'failed', count: 1 },
      { minute: new Date(T0 + 2 * MINUTE), status: 'needs_attention', count: 2 },
    ]);
    expect(buckets).toEqual([
      {
        minute: '2026-03-01T10:00:00.000Z',
        created: 4,
        completed: 3,
        failed: 1,
        reversed: 0,
        pending: 0,
        needsAttention: 0,
      },
      {
        minute: '2026-03-01T10:01:00.000Z',
        created: 0,
        completed: 0,
        failed: 0,
        reversed: 0,
        pending: 0,
        needsAttention: 0,
      },
      {
        minute: '2026-03-01T10:02:00.000Z',
        created: 2,
        completed: 0,
        failed: 0,
        reversed: 0,
        pending: 0,
        needsAttention: 2,
      },
    ]);
  });

  it('ignores rows outside the window', () => {
    const buckets = minuteBuckets(T0, T0 + MINUTE, [
      { minute: new Date(T0 - MINUTE), status: 'completed', count: 9 },
    ]);
    expect(buckets[0]!.created).toBe(0);
  });
});

describe('timelineSteps', () => {
  const iso = (ms: number) => new Date(T0 + ms).toISOString();
  const hold = {
    holdId: '0192f0a0-0000-7000-8000-000000000006',
    accountId: '0192f0a0-0000-7000-8000-000000000002',
    amount: '20.00',
    status: 'captured',
    capturedAmount: '20.00',
    placedAt: iso(100),
    expiresAt: iso(3_600_000),
    closedAt: iso(900),
  };
  const entry = {
    accountId: '0192f0a0-0000-7000-8000-000000000002',
    version: 3,
    entryId: '0192f0a0-0000-7000-8000-000000000004',
    step: 'capture',
    side: 'debit' as const,
    amount: '20.00',
    balanceAfter: '80.00',
    reversesEntryId: null,
    postedAt: iso(900),
  };

  it('orders created, hold placed, posting and capture, and the final status by time', () => {
    const steps = timelineSteps(
      { createdAt: iso(0), finishedAt: iso(950), status: 'completed' },
      [entry],
      [hold],
    );
    expect(steps.map((s) => [s.kind, s.label])).toEqual([
      ['created', 'created'],
      ['hold_placed', 'hold placed'],
      ['hold_captured', 'hold captured'],
      ['posting', 'capture'],
      ['finished', 'completed'],
    ]);
  });

  it('has no finished step while the transaction runs, and an open hold has no closing step', () => {
    const open = { ...hold, status: 'open', capturedAmount: null, closedAt: null };
    const steps = timelineSteps({ createdAt: iso(0), finishedAt: null, status: 'pending' }, [], [open]);
    expect(steps.map((s) => s.kind)).toEqual(['created', 'hold_placed']);
  });
});
