import type { MessageTopicId } from '@billing/contracts/catalog';
import type { ConsumedMessage } from './consumer';
import type { CauseContexts } from './telemetry';

/** One partition's chunk, waiting to be applied together with the chunks of the other partitions. */
export interface JointPart<T extends MessageTopicId> {
  topic: string;
  partition: number;
  parsed: ConsumedMessage<T>[];
  /** The offset to commit once applied: the chunk's last offset plus one. */
  next: string;
  contexts: CauseContexts | null;
}

/** What became of a part: applied and committed, applied but the group was lost, or to be applied alone. */
export type JointOutcome = 'committed' | 'lost' | 'alone';

export interface JointBatchesOptions<T extends MessageTopicId> {
  /** Most messages in one joint application; a part is never split, so one part may exceed it alone. */
  sizeMax: () => number;
  /** Applies the parts in one handler call and commits their offsets; throws when nothing should count. */
  apply: (parts: JointPart<T>[]) => Promise<'committed' | 'lost'>;
  /** Told of a failed joint application before its parts are sent back to be applied alone. */
  failed: (err: unknown, parts: JointPart<T>[]) => void;
}

interface Waiting<T extends MessageTopicId> {
  part: JointPart<T>;
  settle: (outcome: JointOutcome) => void;
}

/**
 * Group commit for a consumer's partitions. kafkajs hands the batches of one fetch to its workers in
 * the same moment; the parts that arrive before the event loop next turns (setImmediate) are applied
 * together, in one handler call, and the next group forms while one is being applied. Each partition
 * still has at most one part in flight (its worker waits for the outcome before its next chunk), so the
 * order within a partition is kept. A failed joint application never fails its parts: they go back to
 * their own workers ('alone'), which apply them as if nothing had been tried; handlers are idempotent
 * through their inbox, so a joint attempt that did commit before failing is skipped then.
 */
export class JointBatches<T extends MessageTopicId> {
  private waiting: Waiting<T>[] = [];
  private scheduled = false;
  private draining = false;

  constructor(private readonly options: JointBatchesOptions<T>) {}

  add(part: JointPart<T>): Promise<JointOutcome> {
    return new Promise<JointOutcome>((settle) => {
      this.waiting.push({ part, settle });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.draining) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.waiting.length > 0) {
        const group = this.take();
        const parts = group.map((w) => w.part);
        let outcome: JointOutcome;
        try {
          outcome = await this.options.apply(parts);
        } catch (err) {
          this.options.failed(err, parts);
          outcome = 'alone';
        }
        for (const w of group) w.settle(outcome);
      }
    } finally {
      this.draining = false;
    }
  }

  /** The oldest parts whose messages together stay within the size limit (always at least one part). */
  private take(): Waiting<T>[] {
    const max = this.options.sizeMax();
    let n = 0;
    let size = 0;
    while (n < this.waiting.length) {
      const next = this.waiting[n]!.part.parsed.length;
      if (n > 0 && size + next > max) break;
      size += next;
      n++;
    }
    return this.waiting.splice(0, n);
  }
}

/** The cause contexts of several parts as one (tracing on), or null when no part has any. */
export function mergeContexts<T extends MessageTopicId>(
  parts: readonly JointPart<T>[],
): CauseContexts | null {
  const withContexts = parts.filter((p) => p.contexts !== null);
  if (withContexts.length === 0) return null;
  if (withContexts.length === 1) return withContexts[0]!.contexts;
  const merged: CauseContexts = { byMessageId: new Map(), byCorrelationId: new Map() };
  for (const { contexts } of withContexts) {
    for (const [k, v] of contexts!.byMessageId) merged.byMessageId.set(k, v);
    for (const [k, v] of contexts!.byCorrelationId)
      if (!merged.byCorrelationId.has(k)) merged.byCorrelationId.set(k, v);
  }
  return merged;
}
