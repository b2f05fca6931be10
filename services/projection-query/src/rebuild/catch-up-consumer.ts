import { parseTopicMessage } from '@billing/contracts/catalog';
import { topicName } from '@billing/contracts/topics';
import { isTransient, type ConsumedMessage } from '@billing/platform/consumer';
import { consumerConfig } from '@billing/platform/kafka';
import type { Logger } from '@billing/platform/logger';
import { delay } from '@billing/platform/wait';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { applyLedgerEvents } from '../accounts/ledger-events.handler';
import type { ApplyTarget } from '../read-model/apply-target';
import { applyTransactionEvents } from '../transactions/transaction-events.handler';

type EventTopic = 'ledgerEvents' | 'transactionEvents';
export const EVENT_TOPICS: readonly EventTopic[] = ['ledgerEvents', 'transactionEvents'];

/** `${topic}:${partition}` -> an offset. */
export type OffsetMap = Map<string, bigint>;
export const partitionKey = (topic: string, partition: number) => `${topic}:${partition}`;

/**
 * Reads both event topics from the beginning into a shadow schema, up to target offsets and no further:
 * a partition that reached its target is paused until the targets move. Uses the live projection's
 * handlers, so the rebuilt tables are what the live projection would have built. A message that does not
 * parse, or that fails to apply on its own, is skipped and counted, as the live consumer dead-letters it.
 */
export class CatchUpConsumer {
  private readonly consumer: Consumer;
  private readonly targets: OffsetMap = new Map();
  /** Next offset considered per partition (applied or skipped). */
  private readonly reached: OffsetMap = new Map();
  private readonly paused = new Set<string>();
  readonly counts = { applied: 0, skipped: 0 };

  constructor(
    private readonly options: {
      kafka: Kafka;
      logger: Logger;
      groupId: string;
      topicPrefix: string;
      sessionTimeoutMs: number;
      target: ApplyTarget;
    },
  ) {
    this.consumer = options.kafka.consumer(consumerConfig(options.groupId, options.sessionTimeoutMs));
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    for (const id of EVENT_TOPICS) {
      await this.consumer.subscribe({ topic: topicName(id, this.options.topicPrefix), fromBeginning: true });
    }
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (!isRunning() || isStale()) return;
        const key = partitionKey(batch.topic, batch.partition);
        const target = this.targets.get(key) ?? 0n;
        const todo = batch.messages.filter((m) => BigInt(m.offset) < target);
        const last = todo.at(-1);
        if (last !== undefined) {
          await this.apply(batch.topic, batch.partition, todo);
          resolveOffset(last.offset);
          this.reached.set(key, BigInt(last.offset) + 1n);
          await heartbeat();
        }
        if ((this.reached.get(key) ?? 0n) >= target) this.pause(batch.topic, batch.partition);
      },
    });
  }

  /** Moves the targets (never backwards) and resumes the partitions that have further to go. */
  setTargets(targets: OffsetMap): void {
    for (const [key, offset] of targets) {
      if (offset > (this.targets.get(key) ?? 0n)) this.targets.set(key, offset);
    }
    for (const key of [...this.paused]) {
      if ((this.reached.get(key) ?? 0n) < (this.targets.get(key) ?? 0n)) {
        const [topic, partition] = splitKey(key);
        this.paused.delete(key);
        this.consumer.resume([{ topic, partitions: [partition] }]);
      }
    }
  }

  isCaughtUp(): boolean {
    for (const [key, target] of this.targets) if ((this.reached.get(key) ?? 0n) < target) return false;
    return true;
  }

  /** Waits (bounded) until every partition reached its target; throws with what is missing after that. */
  async waitUntilCaughtUp(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.isCaughtUp()) {
      if (Date.now() > deadline) {
        const behind = [...this.targets]
          .filter(([key, target]) => (this.reached.get(key) ?? 0n) < target)
          .map(([key, target]) => `${key} at ${this.reached.get(key) ?? 0n} of ${target}`);
        throw new Error(`rebuild did not catch up within ${timeoutMs} ms: ${behind.join(', ')}`);
      }
      await delay(50);
    }
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }

  private pause(topic: string, partition: number): void {
    const key = partitionKey(topic, partition);
    if (this.paused.has(key)) return;
    this.paused.add(key);
    this.consumer.pause([{ topic, partitions: [partition] }]);
  }

  private async apply(topic: string, partition: number, raw: KafkaMessage[]): Promise<void> {
    const id = EVENT_TOPICS.find((t) => topicName(t, this.options.topicPrefix) === topic);
    if (id === undefined) throw new Error(`not an event topic: ${topic}`);
    const parsed: ConsumedMessage<EventTopic>[] = [];
    for (const m of raw) {
      const result = parseTopicMessage(id, m.value);
      if (result.ok)
        parsed.push({
          message: result.message,
          topic,
          partition,
          offset: m.offset,
          key: m.key?.toString() ?? null,
        });
      else {
        this.counts.skipped += 1;
        this.options.logger.warn(
          { topic, partition, offset: m.offset, detail: result.detail },
          'skipping an unparseable event',
        );
      }
    }
    try {
      await this.applyParsed(id, parsed);
      this.counts.applied += parsed.length;
    } catch (err) {
      if (isTransient(err)) throw err;
      this.options.logger.warn({ err, topic, partition }, 'batch failed; applying message by message');
      for (const item of parsed) {
        try {
          await this.applyParsed(id, [item]);
          this.counts.applied += 1;
        } catch (single) {
          // A database that went away is waited out by retrying the batch, never skipped over.
          if (isTransient(single)) throw single;
          this.counts.skipped += 1;
          this.options.logger.error(
            { err: single, topic, partition, offset: item.offset },
            'skipping an event that fails',
          );
        }
      }
    }
  }

  private async applyParsed(id: EventTopic, batch: ConsumedMessage<EventTopic>[]): Promise<void> {
    if (id === 'ledgerEvents') {
      await applyLedgerEvents(this.options.target, batch as ConsumedMessage<'ledgerEvents'>[]);
    } else {
      await applyTransactionEvents(this.options.target, batch as ConsumedMessage<'transactionEvents'>[]);
    }
  }
}

function splitKey(key: string): [string, number] {
  const at = key.lastIndexOf(':');
  return [key.slice(0, at), Number(key.slice(at + 1))];
}
