import { parseTopicMessage, type MessageTopicId, type TopicMessage } from '@billing/contracts/catalog';
import type { ErrorCode } from '@billing/contracts/errors';
import { topicName } from '@billing/contracts/topics';
import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { consumerConfig, groupName, sendAll, type OutgoingMessage } from './kafka';
import { backoffMs, delay } from './wait';

export interface ConsumedMessage<T extends MessageTopicId> {
  message: TopicMessage<T>;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
}

export interface BatchContext {
  topic: string;
  partition: number;
}

/**
 * A handler applies a batch of parsed messages in one database transaction and returns when it has
 * committed. Throwing means nothing of the batch was applied.
 */
export type BatchHandler<T extends MessageTopicId> = (
  messages: ConsumedMessage<T>[],
  ctx: BatchContext,
) => Promise<void>;

export interface BatchConsumerOptions<T extends MessageTopicId> {
  kafka: Kafka;
  producer: Producer;
  logger: Logger;
  groupId: string;
  topicPrefix: string;
  topic: T;
  handler: BatchHandler<T>;
  /** Read from the earliest offset when the group has none yet (services), or only new messages (live feeds). */
  fromBeginning: boolean;
  sessionTimeoutMs: number;
  /** How often one message is retried alone before it is judged poison and dead-lettered. */
  messageAttemptsMax?: number;
}

export class BatchConsumer<T extends MessageTopicId> {
  private readonly consumer: Consumer;
  private joined = false;
  private readonly topic: string;
  private readonly deadLetterTopic: string;
  private readonly attemptsMax: number;
  private readonly log: Logger;
  private readonly groupId: string;

  constructor(private readonly options: BatchConsumerOptions<T>) {
    this.topic = topicName(options.topic, options.topicPrefix);
    this.deadLetterTopic = topicName('deadLetter', options.topicPrefix);
    this.attemptsMax = options.messageAttemptsMax ?? 3;
    this.log = options.logger.child({ component: 'consumer', topic: this.topic, group: options.groupId });
    this.groupId = groupName(options.topicPrefix, options.groupId);
    this.consumer = options.kafka.consumer(consumerConfig(this.groupId, options.sessionTimeoutMs));
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.joined = true;
    });
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      this.joined = false;
      this.log.error({ err: e.payload.error, restart: e.payload.restart }, 'consumer crashed');
    });
  }

  /** Ready once the group was joined; a crashed consumer is not ready until it rejoins. */
  isReady(): boolean {
    return this.joined;
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: this.options.fromBeginning });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        await this.processBatch(batch.topic, batch.partition, batch.messages);
        // Offsets are committed only after the handler's database transaction has committed. Resolving
        // moves the fetch position on; committing makes the progress survive a restart or a rebalance.
        resolveOffset(batch.lastOffset());
        const next = (BigInt(batch.lastOffset()) + 1n).toString();
        await this.consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
        await heartbeat();
      },
    });
  }

  async stop(): Promise<void> {
    this.joined = false;
    await this.consumer.disconnect();
  }

  private async processBatch(topic: string, partition: number, raw: KafkaMessage[]): Promise<void> {
    const parsed: ConsumedMessage<T>[] = [];
    const dead: OutgoingMessage[] = [];
    for (const m of raw) {
      const result = parseTopicMessage(this.options.topic, m.value);
      if (result.ok) {
        parsed.push({
          message: result.message,
          topic,
          partition,
          offset: m.offset,
          key: m.key?.toString() ?? null,
        });
      } else {
        this.log.warn(
          { partition, offset: m.offset, code: result.code, detail: result.detail },
          'dead-lettering',
        );
        dead.push(this.deadLetter(topic, partition, m, result.code, result.detail));
      }
    }
    if (dead.length > 0) await sendAll(this.options.producer, dead);
    if (parsed.length === 0) return;
    try {
      await this.options.handler(parsed, { topic, partition });
    } catch (err) {
      this.log.warn({ err, partition, size: parsed.length }, 'batch failed; retrying message by message');
      await this.processOneByOne(topic, partition, parsed, raw);
    }
  }

  /**
   * Isolates a poison message: each message is retried alone with back-off; one that still fails with a
   * non-transient error goes to the dead-letter topic so that the partition moves on. A transient error
   * (the database is down) is rethrown so that nothing is committed and the batch comes back later.
   */
  private async processOneByOne(
    topic: string,
    partition: number,
    parsed: ConsumedMessage<T>[],
    raw: KafkaMessage[],
  ): Promise<void> {
    for (const item of parsed) {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.options.handler([item], { topic, partition });
          break;
        } catch (err) {
          if (isTransient(err)) throw err;
          if (attempt >= this.attemptsMax) {
            const original = raw.find((m) => m.offset === item.offset)!;
            this.log.error({ err, offset: item.offset }, 'message failed repeatedly; dead-lettering');
            await sendAll(this.options.producer, [
              this.deadLetter(topic, partition, original, 'MESSAGE.HANDLER_FAILED', String(err)),
            ]);
            break;
          }
          await delay(backoffMs(attempt, 100, 2000));
        }
      }
    }
  }

  private deadLetter(
    topic: string,
    partition: number,
    m: KafkaMessage,
    code: ErrorCode,
    detail: string,
  ): OutgoingMessage {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.headers ?? {})) {
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.map(String).join(',') : String(v);
    }
    return {
      topic: this.deadLetterTopic,
      key: m.key?.toString() ?? '',
      value: m.value?.toString('utf8') ?? '',
      headers: {
        ...headers,
        'dlq-error-code': code,
        'dlq-error-detail': detail.slice(0, 1000),
        'dlq-original-topic': topic,
        'dlq-original-partition': String(partition),
        'dlq-original-offset': m.offset,
        'dlq-consumer-group': this.groupId,
      },
    };
  }
}

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  '57P01',
  '57P03',
  '08006',
  '08001',
  '40001',
  '40P01',
]);

/** Errors worth waiting out rather than dead-lettering: lost connections, serialisation failures, deadlocks. */
export function isTransient(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
  const message = err instanceof Error ? err.message : '';
  return /Timeout acquiring a connection|Connection terminated/i.test(message);
}
