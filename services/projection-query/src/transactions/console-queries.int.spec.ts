import { uuidv7 } from '@billing/contracts/uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aProviderStep,
  aSummary,
  aTopUpEntry,
  aTransactionEvent,
  anAccountOpened,
} from '../../test/builders';
import { startProjection, type ProjectionHarness } from '../../test/harness';

let h: ProjectionHarness;
const admin = { kind: 'admin' as const, id: 'admin-1' };
const alice = { kind: 'owner' as const, id: `alice-${uuidv7().slice(-6)}` };
const mallory = { kind: 'owner' as const, id: `mallory-${uuidv7().slice(-6)}` };
let bank: string;
let aliceMain: string;
let topUpId: string;
const at = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();

type Activity = {
  perMinute: { minute: string; created: number; completed: number; failed: number; pending: number }[];
  latencyMs: { count: number; p50: number | null; max: number | null };
  pending: number;
  stuck: number;
};

beforeAll(async () => {
  h = await startProjection('console', { STUCK_AFTER_MS: '60000' });
  const opened = [
    anAccountOpened({ type: 'EXTERNAL', ownerId: 'bank', openedAt: at(3_600_000) }),
    anAccountOpened({ ownerId: alice.id, openedAt: at(3_500_000) }),
  ];
  [bank, aliceMain] = opened.map((o) => o.data.accountId) as [string, string];
  for (const o of opened) await h.publish('ledgerEvents', o.data.accountId, o);
  // A top-up that took 1.5 s, one that failed, one pending past its deadline and one just pending.
  const created = at(10_000);
  const completed = aSummary({
    sourceAccountId: bank,
    destinationAccountId: aliceMain,
    amount: '25.00',
    createdAt: created,
    updatedAt: new Date(Date.parse(created) + 1500).toISOString(),
  });
  topUpId = completed.transactionId;
  const failed = aSummary({ sourceAccountId: bank, destinationAccountId: aliceMain });
  const stuck = aSummary({ createdAt: at(120_000), updatedAt: at(120_000) });
  const pending = aSummary();
  await h.publish(
    'transactionEvents',
    topUpId,
    aTransactionEvent('pending', completed),
    aTransactionEvent('completed', completed),
  );
  // The funding provider timed out once, then collected: both attempts are steps; a republished one is not.
  const collected = aProviderStep(topUpId, {
    attempt: 2,
    providerReference: 'col_4711',
    at: new Date(Date.parse(created) + 600).toISOString(),
  });
  await h.publish(
    'transactionEvents',
    topUpId,
    aProviderStep(topUpId, {
      outcome: 'timed_out',
      providerReference: null,
      detail: 'no answer within 5000 ms from 10.0.0.7',
      at: new Date(Date.parse(created) + 200).toISOString(),
    }),
    collected,
    collected,
  );
  await h.publish(
    'transactionEvents',
    failed.transactionId,
    aTransactionEvent('pending', failed),
    aTransactionEvent('failed', failed),
  );
  await h.publish('transactionEvents', stuck.transactionId, aTransactionEvent('pending', stuck));
  await h.publish('transactionEvents', pending.transactionId, aTransactionEvent('pending', pending));
  await h.publish(
    'ledgerEvents',
    bank,
    aTopUpEntry(
      { id: bank, balanceAfter: '-25.00', version: 2 },
      { id: aliceMain, balanceAfter: '25.00', version: 2 },
      '25.00',
      { transactionId: topUpId, postedAt: new Date(Date.parse(created) + 1000).toISOString() },
    ),
  );
  await h.caughtUp();
});

afterAll(async () => {
  await h?.stop();
});

describe('the console queries', () => {
  it('counts the transactions created per minute by status, with the latency of completed ones', async () => {
    const reply = await h.ask<Activity>({ type: 'GetTransactionActivity', actor: admin, minutes: 5 });
    const activity = reply.data!;
    expect(activity.perMinute).toHaveLength(5);
    const sum = (k: 'created' | 'completed' | 'failed' | 'pending') =>
      activity.perMinute.reduce((n, m) => n + m[k], 0);
    expect({ created: sum('created'), completed: sum('completed'), failed: sum('failed') }).toEqual({
      created: 4,
      completed: 1,
      failed: 1,
    });
    expect(sum('pending')).toBe(2);
    expect(activity.latencyMs).toMatchObject({ count: 1, p50: 1500, max: 1500 });
    expect({ pending: activity.pending, stuck: activity.stuck }).toEqual({ pending: 2, stuck: 1 });
  });

  it('keeps the activity from owners', async () => {
    expect(await h.ask({ type: 'GetTransactionActivity', actor: alice, minutes: 5 })).toMatchObject({
      ok: false,
      code: 'AUTH.FORBIDDEN',
    });
  });

  it("gives a transaction's timeline with its postings in time order", async () => {
    const reply = await h.ask<{
      status: string;
      steps: { kind: string; label: string; accountId: string | null; provider: object | null }[];
      entries: { accountId: string; side: string; amount: string; balanceAfter: string }[];
    }>({ type: 'GetTransactionTimeline', actor: alice, transactionId: topUpId });
    const timeline = reply.data!;
    expect(timeline.status).toBe('completed');
    expect(timeline.steps.map((s) => s.kind)).toEqual([
      'created',
      'provider_step',
      'provider_step',
      'posting',
      'posting',
      'finished',
    ]);
    expect(timeline.steps[1]).toMatchObject({
      label: 'collect attempt 1: timed_out',
      provider: { name: 'cardpay', attempt: 1, outcome: 'timed_out', reference: null, detail: null },
    });
    expect(timeline.steps[2]).toMatchObject({
      label: 'collect attempt 2: accepted',
      provider: { operation: 'collect', attempt: 2, outcome: 'accepted', code: null, reference: 'col_4711' },
    });
    expect(timeline.entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          accountId: aliceMain,
          side: 'credit',
          amount: '25.00',
          balanceAfter: '25.00',
        }),
        expect.objectContaining({ accountId: bank, side: 'debit', amount: '25.00', balanceAfter: '-25.00' }),
      ]),
    );
  });

  it("shows an admin the provider's own wording of a failed attempt", async () => {
    const reply = await h.ask<{ steps: { kind: string; provider: { detail: string | null } | null }[] }>({
      type: 'GetTransactionTimeline',
      actor: admin,
      transactionId: topUpId,
    });
    const calls = reply.data!.steps.filter((s) => s.kind === 'provider_step');
    expect(calls.map((c) => c.provider?.detail)).toEqual(['no answer within 5000 ms from 10.0.0.7', null]);
  });

  it('answers a timeline of a transaction the owner does not take part in as not found', async () => {
    expect(
      await h.ask({ type: 'GetTransactionTimeline', actor: mallory, transactionId: topUpId }),
    ).toMatchObject({ ok: false, code: 'TRANSACTION.NOT_FOUND' });
  });
});
