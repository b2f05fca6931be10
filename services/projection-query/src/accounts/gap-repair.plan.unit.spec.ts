import { describe, expect, it } from 'vitest';
import { planRepairs, type ObservedGap, type OpenRepair } from './gap-repair.plan';

const ACCOUNT = '0192f0a0-0000-7000-8000-000000000002';
const settings = { rangeMax: 200, resendBaseMs: 5000, resendMaxMs: 60_000 };
const aGap = (overrides: Partial<ObservedGap> = {}): ObservedGap => ({
  accountId: ACCOUNT,
  appliedVersion: 3,
  neededVersion: 5,
  parkedSinceMs: 1000,
  ...overrides,
});
const anOpenRepair = (overrides: Partial<OpenRepair> = {}): OpenRepair => ({
  accountId: ACCOUNT,
  fromVersion: 4,
  toVersion: 5,
  firstRequestedAtMs: 10_000,
  lastRequestedAtMs: 10_000,
  requests: 1,
  ...overrides,
});

describe('planRepairs', () => {
  it('given a lasting gap with no repair yet, then the missing versions are asked for', () => {
    const plan = planRepairs([aGap()], [], new Map([[ACCOUNT, 3]]), 10_000, settings);
    expect(plan.send).toEqual([{ repair: anOpenRepair(), appliedVersion: 3, parkedSinceMs: 1000 }]);
    expect(plan.healed).toEqual([]);
  });

  it('given a gap asked for moments ago, then nothing is sent again before the back-off', () => {
    const plan = planRepairs([aGap()], [anOpenRepair()], new Map([[ACCOUNT, 3]]), 14_999, settings);
    expect(plan.send).toEqual([]);
  });

  it('given the gap is still open after the back-off, then it is asked for again and the next wait doubles', () => {
    const first = planRepairs([aGap()], [anOpenRepair()], new Map([[ACCOUNT, 3]]), 15_000, settings);
    expect(first.send.map((s) => s.repair)).toEqual([
      anOpenRepair({ lastRequestedAtMs: 15_000, requests: 2 }),
    ]);
    const second = planRepairs(
      [aGap()],
      [anOpenRepair({ lastRequestedAtMs: 15_000, requests: 2 })],
      new Map([[ACCOUNT, 3]]),
      24_999,
      settings,
    );
    expect(second.send).toEqual([]);
  });

  it('given the read model applied the asked range, then the repair is healed', () => {
    const plan = planRepairs([], [anOpenRepair()], new Map([[ACCOUNT, 5]]), 12_500, settings);
    expect(plan.healed).toEqual([{ repair: anOpenRepair(), afterMs: 2500 }]);
    expect(plan.send).toEqual([]);
  });

  it('given a gap longer than one range, then only the lowest versions are asked for', () => {
    const plan = planRepairs(
      [aGap({ appliedVersion: 0, neededVersion: 1000 })],
      [],
      new Map(),
      10_000,
      settings,
    );
    expect(plan.send[0]!.repair).toMatchObject({ fromVersion: 1, toVersion: 200 });
  });

  it('given the stream moved on to a new gap, then it is asked for at once', () => {
    const plan = planRepairs(
      [aGap({ appliedVersion: 5, neededVersion: 8 })],
      [anOpenRepair({ toVersion: 9 })],
      new Map([[ACCOUNT, 5]]),
      10_001,
      settings,
    );
    expect(plan.send.map((s) => s.repair)).toEqual([
      anOpenRepair({ fromVersion: 6, toVersion: 8, firstRequestedAtMs: 10_001, lastRequestedAtMs: 10_001 }),
    ]);
  });
});
