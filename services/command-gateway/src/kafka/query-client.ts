import { consumerConfig, createConversationProducer } from '@billing/platform/kafka';
import { KeptConsumer } from '@billing/platform/kept-consumer';
import type { Logger } from '@billing/platform/logger';
import { SendBatcher } from '@billing/platform/send-batcher';
import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';

/**
 * Header names of Nest's Kafka request-reply, which the read side's query server (and Nest's own
 * ServerKafka) speaks: the asker names a correlation id, a reply topic and a reply partition; an answer
 * carries the correlation id, an error when there is one, and the "disposed" marker of the last answer.
 */
export const QUERY_HEADERS = {
  correlationId: 'kafka_correlationId',
  replyTopic: 'kafka_replyTopic',
  replyPartition: 'kafka_replyPartition',
  error: 'kafka_nest-err',
  disposed: 'kafka_nest-is-disposed',
} as const;

/** Why a query got no answer; the gateway answers 503 either way. */
export class QueryFailedError extends Error {
  constructor(
    message: string,
    readonly reason: 'timeout' | 'refused' | 'not-ready' | 'send-failed',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'QueryFailedError';
  }
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: QueryFailedError) => void;
  timer: NodeJS.Timeout;
}

export interface QueryClientOptions {
  kafka: Kafka;
  queryTopic: string;
  replyTopic: string;
  /** Shared by the gateway's replicas: each is given its own partitions of the reply topic. */
  groupId: string;
  sessionTimeoutMs: number;
  timeoutMs: number;
  logger: Logger;
}

/**
 * The gateway's side of query request-reply. Nest's ClientKafka sends every query as its own produce
 * request and commits the reply consumer's offsets after every fetch, so a read cost the broker three
 * requests of its own; here the queries of concurrent HTTP requests share produce requests (as commands
 * do), and replies are read in batches without ever committing: a reply is worth something only to the
 * replica waiting for it, so a replica (re)joining starts from the newest reply, and an answer it missed
 * ends as its asker's timeout.
 */
export class QueryClient {
  private readonly pending = new Map<string, Pending>();
  private producer: Producer | null = null;
  private batcher: SendBatcher | null = null;
  private consumer: KeptConsumer | null = null;
  /** The lowest reply partition this replica holds now; null between assignments. */
  private replyPartition: number | null = null;

  constructor(private readonly options: QueryClientOptions) {}

  /** Connects and waits (bounded) until the group gives this replica a reply partition. */
  async start(assignmentTimeoutMs = 60_000): Promise<void> {
    const { kafka, replyTopic, groupId, sessionTimeoutMs } = this.options;
    // Queries are reads: a lost or repeated one is harmless, so acks from the leader are enough.
    this.producer = await createConversationProducer(kafka);
    // One produce request in flight; the queries asked meanwhile go out together in the next one.
    this.batcher = new SendBatcher(this.producer, { lingerMs: 0, batchSizeMax: 500, acks: 1 });

    let onAssigned: () => void = () => {};
    const assigned = new Promise<void>((resolve) => (onAssigned = resolve));
    // A reply consumer kafkajs gives up on is replaced: without one, every read would time out.
    const consumer = new KeptConsumer({
      log: this.options.logger.child({ component: 'query-client' }),
      create: () => {
        const c = kafka.consumer(consumerConfig(groupId, sessionTimeoutMs));
        c.on(c.events.GROUP_JOIN, (event) => {
          const partitions = event.payload.memberAssignment[replyTopic] ?? [];
          this.replyPartition = partitions.length > 0 ? Math.min(...partitions) : null;
          if (this.replyPartition === null)
            this.options.logger.warn(
              { replyTopic },
              'no reply partition for this gateway replica: more replicas than reply partitions',
            );
          else onAssigned();
        });
        return c;
      },
      // While the group rebalances the partition held so far stays in use: a replica joining must not
      // fail the reads of the others. An answer sent to a partition that moves on ends as its asker's
      // timeout.
      run: async (c) => {
        await c.connect();
        await c.subscribe({ topic: replyTopic, fromBeginning: false });
        await c.run({
          autoCommit: false,
          partitionsConsumedConcurrently: 4,
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) this.settle(message);
          },
        });
      },
    });
    this.consumer = consumer;
    await consumer.start();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      assigned,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no reply partition assigned within ${assignmentTimeoutMs} ms`)),
          assignmentTimeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
  }

  async stop(): Promise<void> {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new QueryFailedError('the gateway is stopping', 'not-ready'));
      this.pending.delete(id);
    }
    await this.consumer?.stop();
    await this.producer?.disconnect();
  }

  /** Whether queries can be asked: connected and holding a reply partition. */
  isReady(): boolean {
    return this.batcher !== null && this.replyPartition !== null;
  }

  /** The reply partition this replica names in its queries now; null until it holds one. */
  get partition(): number | null {
    return this.replyPartition;
  }

  /** Queries waiting for their answer right now. */
  get waiting(): number {
    return this.pending.size;
  }

  /** Asks one query; resolves with the answer's decoded JSON, rejects with a QueryFailedError. */
  ask(request: unknown, headers: Record<string, string> = {}): Promise<unknown> {
    const partition = this.replyPartition;
    if (!this.batcher || partition === null)
      return Promise.reject(new QueryFailedError('no reply partition yet', 'not-ready'));
    const id = randomUUID();
    const answered = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new QueryFailedError(`no answer within ${this.options.timeoutMs} ms`, 'timeout'));
      }, this.options.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
    });
    this.batcher
      .send({
        topic: this.options.queryTopic,
        key: id,
        value: JSON.stringify(request),
        headers: {
          ...headers,
          [QUERY_HEADERS.correlationId]: id,
          [QUERY_HEADERS.replyTopic]: this.options.replyTopic,
          [QUERY_HEADERS.replyPartition]: String(partition),
        },
      })
      .catch((err: unknown) =>
        this.fail(id, new QueryFailedError('the query could not be sent', 'send-failed', { cause: err })),
      );
    return answered;
  }

  private fail(id: string, err: QueryFailedError): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    p.reject(err);
  }

  /** Hands an answer to its asker; answers nobody waits for (any more) are dropped. */
  private settle(message: KafkaMessage): void {
    const id = headerText(message.headers, QUERY_HEADERS.correlationId);
    if (id === undefined) return;
    const p = this.pending.get(id);
    if (!p) return;
    if (headerText(message.headers, QUERY_HEADERS.error) !== undefined) {
      this.fail(id, new QueryFailedError('the read side could not answer', 'refused'));
      return;
    }
    const text = message.value?.toString('utf8') ?? '';
    if (text === '') {
      // Nest ends an answer stream with a bare "disposed" message; an answer with no value is none.
      if (headerText(message.headers, QUERY_HEADERS.disposed) !== undefined)
        this.fail(id, new QueryFailedError('the read side answered nothing', 'refused'));
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.fail(id, new QueryFailedError('the read side answered something that is not JSON', 'refused'));
      return;
    }
    this.pending.delete(id);
    clearTimeout(p.timer);
    p.resolve(value);
  }
}

function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined || value === null) return undefined;
  return Array.isArray(value) ? String(value[0]) : value.toString();
}
