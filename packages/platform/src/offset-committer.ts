import type { Logger } from 'pino';
import { isLostGroupMembership } from './errors';

export interface PartitionOffset {
  topic: string;
  partition: number;
  /** The next offset to read: the last applied one plus one. */
  offset: string;
}

export interface IntervalCommitterOptions {
  commit: (offsets: PartitionOffset[]) => Promise<void>;
  /** At most one commit request per this many milliseconds; progress in between waits for the next. */
  intervalMs: number;
  log: Logger;
}

/**
 * Offset commits at most once per interval, one request for every partition with progress. Consumers
 * whose handlers are idempotent (the services' inboxes, the read side's positions, the gateway's live
 * feed and query answers) lose nothing by committing late: a restart or a rebalance redelivers at most
 * one interval of messages, which are skipped or harmlessly repeated. What it saves is a broker request
 * and a round trip per batch: kafkajs' own autoCommit commits after every batch whatever its
 * autoCommitInterval says (the interval only applies to commitOffsetsIfNecessary).
 */
export class IntervalCommitter {
  private readonly pending = new Map<string, PartitionOffset>();
  private lastCommitAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private committing: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly options: IntervalCommitterOptions) {}

  /** Records how far partitions were applied; commits now when the interval has passed, else soon. */
  progress(offsets: readonly PartitionOffset[]): void {
    for (const o of offsets) this.pending.set(`${o.topic}/${o.partition}`, o);
    const dueInMs = this.lastCommitAt + this.options.intervalMs - Date.now();
    if (dueInMs <= 0) void this.commitPending();
    else if (!this.timer && !this.stopped) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.commitPending();
      }, dueInMs);
      this.timer.unref();
    }
  }

  /** Drops what is pending: after a rebalance the previous generation's commits would be refused. */
  forget(): void {
    this.pending.clear();
  }

  /** Commits what is pending and stops committing on a schedule. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.committing;
    await this.commitPending();
  }

  /** One request for every pending partition; never throws (a failed commit is retried later). */
  private commitPending(): Promise<void> {
    if (this.committing) return this.committing;
    if (this.pending.size === 0) return Promise.resolve();
    const offsets = [...this.pending.values()];
    this.pending.clear();
    this.lastCommitAt = Date.now();
    this.committing = this.options
      .commit(offsets)
      .catch((err: unknown) => {
        if (isLostGroupMembership(err)) {
          // The partitions may be someone else's now; they redeliver from the last commit and skip.
          this.options.log.warn(
            { err, offsets },
            'offsets not committed: the group moved on; redelivered and skipped',
          );
          return;
        }
        this.options.log.warn({ err, offsets }, 'committing offsets failed; retried with the next progress');
        for (const o of offsets) {
          const key = `${o.topic}/${o.partition}`;
          if (!this.pending.has(key)) this.pending.set(key, o);
        }
      })
      .finally(() => {
        this.committing = null;
      });
    return this.committing;
  }
}
