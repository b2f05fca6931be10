import { z } from 'zod';

/**
 * Hybrid logical clock (Kulkarni et al.): a physical millisecond part that never runs behind the wall
 * clock by much, and a logical counter that orders events inside one millisecond and across nodes whose
 * clocks disagree. Written as "<15-digit ms>.<5-digit counter>.<node>" so that string order is time order.
 */
export const HlcSchema = z.string().regex(/^\d{15}\.\d{5}\.[a-z0-9-]{1,64}$/, 'not an HLC stamp');

export interface HlcTimestamp {
  physicalMs: number;
  logical: number;
  node: string;
}

const LOGICAL_MAX = 99_999;

export function formatHlc(t: HlcTimestamp): string {
  return `${String(t.physicalMs).padStart(15, '0')}.${String(t.logical).padStart(5, '0')}.${t.node}`;
}

export function parseHlc(stamp: string): HlcTimestamp {
  const [ms, logical, ...node] = stamp.split('.');
  return { physicalMs: Number(ms), logical: Number(logical), node: node.join('.') };
}

export class HybridLogicalClock {
  private last: HlcTimestamp;

  constructor(
    private readonly node: string,
    private readonly wallClockMs: () => number = Date.now,
    private readonly driftMaxMs: number = 60_000,
  ) {
    this.last = { physicalMs: 0, logical: 0, node };
  }

  /** Stamp for a local event or a message being sent. */
  now(): string {
    const wall = this.wallClockMs();
    if (wall > this.last.physicalMs) {
      this.last = { physicalMs: wall, logical: 0, node: this.node };
    } else {
      this.last = this.bump(this.last.physicalMs, this.last.logical + 1);
    }
    return formatHlc(this.last);
  }

  /**
   * Merge a stamp received from another node so that our next stamp orders after it. A malformed stamp
   * is refused; a stamp further ahead of our wall clock than `driftMaxMs` is taken only up to that bound,
   * so one node with a wild clock cannot drag every other node into the future for good.
   */
  observe(remoteStamp: string): void {
    if (!HlcSchema.safeParse(remoteStamp).success) throw new Error(`not an HLC stamp: ${remoteStamp}`);
    const remote = parseHlc(remoteStamp);
    const wall = this.wallClockMs();
    if (remote.physicalMs > wall + this.driftMaxMs) {
      remote.physicalMs = wall + this.driftMaxMs;
      remote.logical = 0;
    }
    const physical = Math.max(wall, this.last.physicalMs, remote.physicalMs);
    let logical = 0;
    if (physical === this.last.physicalMs && physical === remote.physicalMs) {
      logical = Math.max(this.last.logical, remote.logical) + 1;
    } else if (physical === this.last.physicalMs) {
      logical = this.last.logical + 1;
    } else if (physical === remote.physicalMs) {
      logical = remote.logical + 1;
    }
    this.last = this.bump(physical, logical);
  }

  private bump(physicalMs: number, logical: number): HlcTimestamp {
    // A counter overflow borrows the next millisecond instead of wrapping, keeping stamps monotonic.
    if (logical > LOGICAL_MAX) return { physicalMs: physicalMs + 1, logical: 0, node: this.node };
    return { physicalMs, logical, node: this.node };
  }
}
