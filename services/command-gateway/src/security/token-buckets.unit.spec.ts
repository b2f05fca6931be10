import { describe, expect, it } from 'vitest';
import { TokenBuckets, type TokenBucketLimits } from './token-buckets';

function aLimiter(overrides: Partial<TokenBucketLimits> = {}) {
  let now = 0;
  const limiter = new TokenBuckets({ ratePerSecond: 2, burst: 3, bucketsMax: 100, ...overrides }, () => now);
  return { limiter, advance: (ms: number) => (now += ms) };
}

describe('token buckets per caller', () => {
  it('admits a burst, then refuses with the whole seconds until a token is back', () => {
    const { limiter } = aLimiter({ ratePerSecond: 1 });
    expect([1, 2, 3].map(() => limiter.take('a').ok)).toEqual([true, true, true]);
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 1 });
  });

  it('refills at the configured rate, never beyond the burst', () => {
    const { limiter, advance } = aLimiter();
    for (let i = 0; i < 3; i += 1) limiter.take('a');
    advance(500);
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(false);
    advance(60_000);
    expect([1, 2, 3, 4].map(() => limiter.take('a').ok)).toEqual([true, true, true, false]);
  });

  it('keeps callers apart', () => {
    const { limiter } = aLimiter({ burst: 1 });
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(false);
    expect(limiter.take('b').ok).toBe(true);
  });

  it('drops buckets idle long enough to be full again', () => {
    const { limiter, advance } = aLimiter({ ratePerSecond: 1, burst: 2 });
    limiter.take('a');
    limiter.take('b');
    advance(2000);
    limiter.take('c');
    expect(limiter.size).toBe(1);
  });

  it('never tracks more callers than its bound, evicting the least recently used', () => {
    const { limiter } = aLimiter({ burst: 1, bucketsMax: 100 });
    for (let i = 0; i < 250; i += 1) limiter.take(`caller-${i}`);
    expect(limiter.size).toBe(100);
    // caller-249 was used last and is still limited; caller-0 was evicted and starts afresh.
    expect(limiter.take('caller-249').ok).toBe(false);
    expect(limiter.take('caller-0').ok).toBe(true);
  });
});
