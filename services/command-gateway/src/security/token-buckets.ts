export interface TokenBucketLimits {
  /** Tokens added back per second: the rate a caller may keep up forever. */
  ratePerSecond: number;
  /** The most tokens a bucket holds: how many requests a rested caller may send at once. */
  burst: number;
  /** The most callers tracked at a time; memory stays bounded whatever the traffic. */
  bucketsMax: number;
}

export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/**
 * A token bucket per caller, in memory. The buckets live in this process only, so each replica limits
 * on its own: with N replicas behind a balancer a caller may get up to N times the configured rate. That
 * is accepted here because the limit protects each replica from being swamped, not a global quota.
 *
 * The map is kept in least-recently-used order (a take moves the bucket to the end). Buckets at the front
 * that have been idle long enough to be full again are dropped, since a fresh bucket is the same thing;
 * when the map is still at its bound, the least recently used bucket is evicted.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly refillMs: number;

  constructor(
    private readonly limits: TokenBucketLimits,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.refillMs = (limits.burst / limits.ratePerSecond) * 1000;
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token from the caller's bucket, or says how many whole seconds until one is back. */
  take(key: string): Admission {
    const now = this.nowMs();
    const bucket = this.bucketOf(key, now);
    bucket.tokens = Math.min(
      this.limits.burst,
      bucket.tokens + ((now - bucket.updatedMs) / 1000) * this.limits.ratePerSecond,
    );
    bucket.updatedMs = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    const waitSeconds = (1 - bucket.tokens) / this.limits.ratePerSecond;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitSeconds)) };
  }

  private bucketOf(key: string, now: number): Bucket {
    const existing = this.buckets.get(key);
    if (existing) {
      this.buckets.delete(key);
      this.buckets.set(key, existing);
      return existing;
    }
    this.evictIdle(now);
    if (this.buckets.size >= this.limits.bucketsMax) {
      const oldest = this.buckets.keys().next();
      if (!oldest.done) this.buckets.delete(oldest.value);
    }
    const fresh = { tokens: this.limits.burst, updatedMs: now };
    this.buckets.set(key, fresh);
    return fresh;
  }

  /** Drops buckets from the front that would have refilled completely; they hold no information. */
  private evictIdle(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.updatedMs < this.refillMs) return;
      this.buckets.delete(key);
    }
  }
}
