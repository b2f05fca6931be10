import { topicName } from '@billing/contracts/topics';
import {
  consumerConfig,
  createConversationProducer,
  createKafka,
  groupName,
  kafkaSecurity,
} from '@billing/platform/kafka';
import type { Logger } from '@billing/platform/logger';
import { KeptConsumer } from '@billing/platform/kept-consumer';
import { IntervalCommitter } from '@billing/platform/offset-committer';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import type { Consumer, IHeaders, KafkaMessage, Producer } from 'kafkajs';
import type { ProjectionConfig } from '../config';
import { answerQueries, type QueryDeps } from './answer-query';

/**
 * The header names of Nest's Kafka request-reply, which the gateway's query client speaks: the asker
 * names a correlation id, a reply topic and a reply partition; the answer carries the correlation id,
 * an error when there is one, and the "disposed" marker that ends the asker's observable.
 */
const CORRELATION_ID = 'kafka_correlationId';
const REPLY_TOPIC = 'kafka_replyTopic';
const REPLY_PARTITION = 'kafka_replyPartition';
const NEST_ERR = 'kafka_nest-err';
const NEST_IS_DISPOSED = 'kafka_nest-is-disposed';

/** Queries answered at once, across a batch; bounded by the database pool in practice. */
const CONCURRENCY_MAX = 64;

/**
 * The read side's query server. Nest's own Kafka server answers one message at a time per partition,
 * which made every read wait for the previous one; this one takes a whole fetched batch, answers its
 * queries concurrently (each is one read of the read models) and sends all replies in one produce
 * request. It speaks Nest's request-reply protocol, so any Nest ClientKafka can ask it too.
 */
export class BatchQueryServer extends Server implements CustomTransportStrategy {
  private consumer: KeptConsumer | null = null;
  private committer: IntervalCommitter | null = null;
  private producer: Producer | null = null;
  private readonly topic: string;

  constructor(
    private readonly config: ProjectionConfig,
    private readonly deps: QueryDeps,
    private readonly log: Logger,
  ) {
    super();
    this.topic = topicName('queries', config.KAFKA_TOPIC_PREFIX);
  }

  async listen(callback: (err?: unknown) => void): Promise<void> {
    try {
      const kafka = createKafka(
        {
          brokers: this.config.KAFKA_BROKERS,
          clientId: 'projection-query',
          topicPrefix: this.config.KAFKA_TOPIC_PREFIX,
          security: kafkaSecurity(this.config),
        },
        this.log,
      );
      // Replies of concurrent batches must not queue behind each other: no single request in flight.
      this.producer = await createConversationProducer(kafka);
      const groupId = groupName(
        this.config.KAFKA_TOPIC_PREFIX,
        `${this.config.PROJECTION_CONSUMER_GROUP}.queries`,
      );
      this.committer = new IntervalCommitter({
        commit: (offsets) => this.consumer!.current.commitOffsets(offsets),
        intervalMs: 5000,
        log: this.log,
      });
      // A consumer kafkajs gives up on is replaced: a read side that answers no query any more would
      // otherwise look alive to whoever runs it.
      this.consumer = new KeptConsumer({
        log: this.log.child({ component: 'query-server' }),
        create: () => {
          const consumer = kafka.consumer(consumerConfig(groupId, this.config.KAFKA_SESSION_TIMEOUT_MS));
          consumer.on(consumer.events.GROUP_JOIN, () => this.committer?.forget());
          return consumer;
        },
        run: (consumer) => this.run(consumer),
      });
      await this.consumer.start();
      callback();
    } catch (err) {
      callback(err);
    }
  }

  /** Whether the query consumer runs (false after a crash until its replacement started). */
  isRunning(): boolean {
    return this.consumer?.isRunning() ?? false;
  }

  private async run(consumer: Consumer): Promise<void> {
    await consumer.connect();
    // Queries asked before this replica started are answered by nobody: their askers timed out.
    await consumer.subscribe({ topic: this.topic, fromBeginning: false });
    await consumer.run({
      // Queries are reads: answering one twice after a rebalance is harmless, so offsets are committed
      // every few seconds (kafkajs' autoCommit would commit after every fetch); every partition of
      // the topic is worked on at the same time.
      autoCommit: false,
      partitionsConsumedConcurrently: 6,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        for (let i = 0; i < batch.messages.length && isRunning() && !isStale(); i += CONCURRENCY_MAX) {
          const slice = batch.messages.slice(i, i + CONCURRENCY_MAX);
          await this.answerTogether(slice);
          resolveOffset(slice.at(-1)!.offset);
          this.committer?.progress([
            {
              topic: batch.topic,
              partition: batch.partition,
              offset: (BigInt(slice.at(-1)!.offset) + 1n).toString(),
            },
          ]);
          await heartbeat();
        }
      },
    });
  }

  /** Slices handed over in the same turn of the event loop, to be answered together. */
  private gathered: { messages: KafkaMessage[]; resolve: () => void; reject: (err: unknown) => void }[] = [];

  /**
   * kafkajs hands the partitions of one fetch to their workers at the same moment; their slices are
   * answered together (one read of the balances, one produce request for the replies) rather than one
   * partition after another. Answering is a read, so groups may overlap.
   */
  private answerTogether(messages: KafkaMessage[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.gathered.push({ messages, resolve, reject });
      if (this.gathered.length > 1) return;
      setImmediate(() => {
        const group = this.gathered.splice(0);
        this.answerAll(group.flatMap((g) => g.messages)).then(
          () => group.forEach((g) => g.resolve()),
          (err: unknown) => group.forEach((g) => g.reject(err)),
        );
      });
    });
  }

  private async answerAll(messages: KafkaMessage[]): Promise<void> {
    const asked = messages.flatMap((m) => {
      const header = (name: string) => m.headers?.[name]?.toString();
      const correlationId = header(CORRELATION_ID);
      const replyTopic = header(REPLY_TOPIC);
      if (!correlationId || !replyTopic) return []; // not a request: nobody waits for an answer
      let payload: unknown = null;
      try {
        payload = m.value ? JSON.parse(m.value.toString('utf8')) : null;
      } catch {
        payload = null; // answered as an invalid request
      }
      return [{ correlationId, replyTopic, partition: header(REPLY_PARTITION), payload }];
    });
    if (asked.length === 0) return;
    const answers = await answerQueries(
      this.deps,
      asked.map((a) => a.payload),
    );
    const byTopic = new Map<string, { partition?: number; value: string; headers: IHeaders }[]>();
    asked.forEach((a, i) => {
      const answer = answers[i]!;
      const headers: IHeaders = { [CORRELATION_ID]: a.correlationId, [NEST_IS_DISPOSED]: Buffer.alloc(1) };
      let value = '';
      if (answer instanceof Error) {
        // The asker sees a failed request and answers 503; the cause belongs in this service's log.
        this.log.error({ err: answer }, 'answering a query failed');
        headers[NEST_ERR] = JSON.stringify({ message: 'the query could not be answered' });
      } else {
        value = JSON.stringify(answer);
      }
      const list = byTopic.get(a.replyTopic) ?? [];
      list.push({ ...(a.partition === undefined ? {} : { partition: Number(a.partition) }), value, headers });
      byTopic.set(a.replyTopic, list);
    });
    await this.producer!.sendBatch({
      acks: 1,
      topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })),
    });
  }

  async close(): Promise<void> {
    await this.committer?.stop();
    await this.consumer?.stop();
    await this.producer?.disconnect();
  }

  on(): never {
    throw new Error('the query server has no events');
  }

  unwrap<T>(): T {
    return [this.consumer, this.producer] as T;
  }
}

export function createQueryServer(
  config: ProjectionConfig,
  deps: QueryDeps,
  logger: Logger,
): BatchQueryServer {
  return new BatchQueryServer(config, deps, logger);
}
