import { describe, expect, it } from 'vitest';
import { decideRepublish, type RecentRepublish, type RepublishRequest } from './republish.decide';

const limits = { minIntervalMs: 10_000 };
const aRequest = (overrides: Partial<RepublishRequest> = {}): RepublishRequest => ({
  accountId: '0192f0a0-0000-7000-8000-000000000002',
  fromVersion: 4,
  toVersion: 6,
  ...overrides,
});
const aRecentRepublish = (overrides: Partial<RecentRepublish> = {}): RecentRepublish => ({
  fromVersion: 4,
  toVersion: 6,
  republishedAtMs: 100_000,
  ...overrides,
});

describe('decideRepublish', () => {
  it('given no earlier republish, then the requested range is republished', () => {
    expect(decideRepublish(aRequest(), null, 100_000, 1000, limits)).toEqual({
      kind: 'republish',
      fromVersion: 4,
      toVersion: 6,
    });
  });

  it('given the same range was republished moments ago, then a repeated request is ignored', () => {
    const decision = decideRepublish(aRequest(), aRecentRepublish(), 105_000, 1000, limits);
    expect(decision).toEqual({ kind: 'ignore', reason: 'versions 4..6 republished 5000 ms ago' });
  });

  it('given the earlier republish is older than the interval, then the range is republished again', () => {
    const decision = decideRepublish(aRequest(), aRecentRepublish(), 110_000, 1000, limits);
    expect(decision.kind).toBe('republish');
  });

  it('given a recent republish that covered only part of the range, then the request is answered', () => {
    const decision = decideRepublish(aRequest({ toVersion: 9 }), aRecentRepublish(), 101_000, 1000, limits);
    expect(decision).toEqual({ kind: 'republish', fromVersion: 4, toVersion: 9 });
  });

  it('given less budget left in the batch than versions asked for, then the lowest versions go first', () => {
    expect(decideRepublish(aRequest(), null, 100_000, 2, limits)).toEqual({
      kind: 'republish',
      fromVersion: 4,
      toVersion: 5,
    });
  });

  it('given no budget left in the batch, then the request is left for the read side to send again', () => {
    expect(decideRepublish(aRequest(), null, 100_000, 0, limits).kind).toBe('ignore');
  });
});
