import { parseTopicMessage } from '@billing/contracts/catalog';
import { topicName } from '@billing/contracts/topics';
import { consumerConfig } from '@billing/platform/kafka';
import { consumerMeters } from '@billing/platform/metrics';
import { KeptConsumer } from '@billing/platform/kept-consumer';
import { IntervalCommitter } from '@billing/platform/offset-committer';
import type { Logger } from '@billing/platform/logger';
import type { IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import type { FollowedEvent } from './outcomes';

type FeedTopic = 'ledgerEvents' | 'transactionEvents';

/**
 * One event of the live feed as it came off the broker, parsed only when somebody needs it: the Kafka
 * key and the message-id header say whom it concerns and what it is without reading the body, and most
 * events concern no request waiting at this replica. Parsed at most once.
 */
export class FeedItem {
  private parsed: FollowedEvent | null | undefined;

  constructor(
    readonly topic: FeedTopic,
    readonly key: string | null,
    private readonly headerId: string | null,
    private readonly value: Buffer | null,
    private readonly onRefused: (detail: string) => void = () => {},
  ) {}

  /** The envelope's messageId, from the header producers set; the body is read only when it lacks one. */
  get messageId(): string {
    return this.headerId ?? this.event()?.messageId ?? `unparseable:${this.key ?? ''}`;
  }

  /**
   * The validated event, or null for a message this feed cannot read. A live feed only listens: the
   * services that consume these topics dead-letter such a message, so it is logged and skipped here.
   */
  event(): FollowedEvent | null {
    if (this.parsed === undefined) {
      const result = parseTopicMessage(this.topic, this.value);
      this.parsed = result.ok ? (result.message as FollowedEvent) : null;
      if (!result.ok) this.onRefused(`${result.code}: ${result.detail}`);
    }
    return this.parsed;
  }
}

function header(headers: IHeaders | undefined, name: string): string | null {
  const value = headers?.[name];
  if (value === undefined) return null;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? null : first.toString();
}

/**
 * The gateway's view of the event topics as they happen: a consumer group of its own per replica that
 * starts at the latest offset (a new replica has no request waiting for an old event). Its position is
 * committed every few seconds rather than per batch, so that a rebalance resumes near where it was
 * without a commit round trip per fetch. It does not validate what it receives up front: each item is
 * parsed by whoever needs it (see FeedItem).
 */
export class LiveFeed {
  private readonly consumers: { kept?: KeptConsumer; joined: boolean; committer?: IntervalCommitter }[] = [];

  constructor(
    private readonly options: {
      kafka: Kafka;
      topicPrefix: string;
      groupId: string;
      sessionTimeoutMs: number;
      logger: Logger;
      topics: readonly FeedTopic[];
      onBatch: (items: FeedItem[]) => void;
    },
  ) {}

  async start(): Promise<void> {
    const { kafka, topicPrefix, groupId, sessionTimeoutMs, logger, topics, onBatch } = this.options;
    const log = logger.child({ component: 'live-feed' });
    for (const topic of topics) {
      const entry: { kept?: KeptConsumer; joined: boolean; committer?: IntervalCommitter } = {
        joined: false,
      };
      this.consumers.push(entry);
      // kafkajs' autoCommit would commit after every fetch whatever its interval says; a live feed
      // that restarts may see a few seconds of events again, which nobody waits for any more.
      const committer = new IntervalCommitter({
        commit: (offsets) => entry.kept!.current.commitOffsets(offsets),
        intervalMs: 5000,
        log,
      });
      entry.committer = committer;
      // A consumer kafkajs gives up on is replaced; until then the feed is not ready.
      const kept = new KeptConsumer({
        log: log.child({ topic }),
        create: () => {
          const consumer = kafka.consumer({
            ...consumerConfig(`${groupId}.${topic}`, sessionTimeoutMs),
            // A live feed holds no work of its own: a small fetch per partition keeps memory bounded.
            maxBytesPerPartition: 256 * 1024,
          });
          consumer.on(consumer.events.GROUP_JOIN, () => {
            entry.joined = true;
            committer.forget();
          });
          consumer.on(consumer.events.CRASH, () => (entry.joined = false));
          return consumer;
        },
        run: async (consumer) => {
          await consumer.connect();
          await consumer.subscribe({ topic: topicName(topic, topicPrefix), fromBeginning: false });
          await consumer.run({
            autoCommit: false,
            // Every partition at once: one slow partition must not hold back another's outcomes.
            partitionsConsumedConcurrently: 16,
            eachBatch: async ({ batch }) => {
              const last = batch.messages.at(-1);
              if (last) {
                const meters = consumerMeters(batch.topic, batch.partition);
                meters.batchSize.observe(batch.messages.length);
                const next = (BigInt(last.offset) + 1n).toString();
                meters.handled(batch.messages.length, batch.highWatermark, next);
                committer.progress([{ topic: batch.topic, partition: batch.partition, offset: next }]);
              }
              const refused = (offset: string) => (detail: string) =>
                log.warn(
                  { topic: batch.topic, partition: batch.partition, offset, detail },
                  'unreadable event',
                );
              onBatch(
                batch.messages.map(
                  (m: KafkaMessage) =>
                    new FeedItem(
                      topic,
                      m.key?.toString() ?? null,
                      header(m.headers, 'message-id'),
                      m.value,
                      refused(m.offset),
                    ),
                ),
              );
            },
          });
        },
      });
      entry.kept = kept;
      await kept.start();
    }
  }

  isReady(): boolean {
    return this.consumers.length > 0 && this.consumers.every((c) => c.joined);
  }

  async stop(): Promise<void> {
    await Promise.allSettled(
      this.consumers.map(async (c) => {
        await c.committer?.stop();
        await c.kept?.stop();
      }),
    );
    for (const c of this.consumers) c.joined = false;
  }
}
