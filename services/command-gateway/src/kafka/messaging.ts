import { type MessageMeta } from '@billing/contracts/catalog';
import type { Actor, Envelope } from '@billing/contracts/envelope';
import { HybridLogicalClock } from '@billing/contracts/hlc';
import { QueryReplySchemas, type QueryReply, type QueryRequest } from '@billing/contracts/messages/queries';
import { topicName, type TopicId } from '@billing/contracts/topics';
import type { ReadinessCheck } from '@billing/platform/health';
import {
  createKafka,
  createProducer,
  groupName,
  kafkaReachable,
  kafkaSecurity,
  toOutgoing,
} from '@billing/platform/kafka';
import { currentCorrelationId } from '@billing/platform/log-context';
import type { Logger } from '@billing/platform/logger';
import { SendBatcher } from '@billing/platform/send-batcher';
import type { Admin, Producer } from 'kafkajs';
import type { GatewayConfig } from '../config';
import { ProblemError } from '../http/problem';
import { LiveFeed, type FeedItem } from './live-feed';
import { OutcomeWaiters, type FollowedEvent } from './outcomes';
import { QueryClient, QueryFailedError } from './query-client';

/**
 * The gateway's only link to the rest of the system: it emits commands, asks queries over Kafka
 * request-reply (Nest's protocol, `QueryClient`), and follows the event topics live (a group per
 * replica, from the latest offset) so that waiting requests learn their outcome.
 */
export class GatewayMessaging {
  readonly outcomes = new OutcomeWaiters();
  private readonly hlc: HybridLogicalClock;
  private producer: Producer | null = null;
  private batcher: SendBatcher | null = null;
  private admin: Admin | null = null;
  private queryClient: QueryClient | null = null;
  private feed: LiveFeed | null = null;
  private readonly queryTopic: string;
  private readonly feedListeners = new Set<(item: FeedItem) => void>();

  constructor(
    private readonly config: GatewayConfig,
    private readonly logger: Logger,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.hlc = new HybridLogicalClock(config.NODE_ID, nowMs);
    this.queryTopic = topicName('queries', config.KAFKA_TOPIC_PREFIX);
  }

  async start(): Promise<void> {
    const { config, logger } = this;
    const kafka = createKafka(
      {
        brokers: config.KAFKA_BROKERS,
        clientId: 'command-gateway',
        topicPrefix: config.KAFKA_TOPIC_PREFIX,
        security: kafkaSecurity(config),
      },
      logger,
    );
    this.admin = kafka.admin();
    await this.admin.connect();
    this.producer = await createProducer(kafka);
    // Commands of concurrent HTTP requests share produce requests: one request in flight at a time (the
    // idempotent producer's rule) would otherwise make each command wait for the previous one's ack.
    this.batcher = new SendBatcher(this.producer, { lingerMs: 1, batchSizeMax: 500 });

    this.queryClient = new QueryClient({
      kafka,
      queryTopic: this.queryTopic,
      // Nest's request-reply convention, which the read side's query server follows: "<topic>.reply".
      replyTopic: `${this.queryTopic}.reply`,
      groupId: groupName(config.KAFKA_TOPIC_PREFIX, `${config.GATEWAY_CONSUMER_GROUP}.replies`),
      sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      timeoutMs: config.QUERY_TIMEOUT_MS,
      logger,
    });
    await this.queryClient.start();

    // Only the events a waiting request is keyed by are parsed for the waiters; listeners (the event
    // streams) parse what they need themselves.
    const notify = (items: FeedItem[]) => {
      for (const item of items) {
        if (this.outcomes.has(item.key)) {
          const event = item.event();
          if (event) this.outcomes.notify(event);
        }
        for (const listener of this.feedListeners) this.deliver(listener, item);
      }
    };
    this.feed = new LiveFeed({
      kafka,
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
      groupId: groupName(
        config.KAFKA_TOPIC_PREFIX,
        `${config.GATEWAY_CONSUMER_GROUP}.live.${config.INSTANCE_ID}`,
      ),
      sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      logger,
      topics: ['ledgerEvents', 'transactionEvents'],
      onBatch: notify,
    });
    await this.feed.start();
  }

  async stop(): Promise<void> {
    await this.feed?.stop();
    await this.queryClient?.stop();
    await this.producer?.disconnect();
    await this.admin?.disconnect();
  }

  /** Hands every item of the live feed to `listener` until the returned function is called. */
  subscribe(listener: (item: FeedItem) => void): () => void {
    this.feedListeners.add(listener);
    return () => this.feedListeners.delete(listener);
  }

  /** A failing listener is logged and skipped: it must not stop the feed for waiters and others. */
  private deliver(listener: (item: FeedItem) => void, item: FeedItem): void {
    try {
      listener(item);
    } catch (err) {
      this.logger.error({ err, topic: item.topic }, 'a live feed listener failed');
    }
  }

  /** A command's meta; within a request, the command joins the request's correlation id. */
  meta(actor: Actor): MessageMeta {
    return {
      actor,
      hlc: this.hlc.now(),
      causedBy: null,
      nowMs: this.nowMs(),
      correlationId: currentCorrelationId(),
    };
  }

  /**
   * Sends a command and waits (bounded) for the outcome `match` recognises. The waiter is registered
   * before the send, so an outcome can never slip in between; a failed send cancels it. Null on timeout.
   */
  async emitAndWait<T>(
    topic: TopicId,
    key: string,
    envelope: Envelope,
    wait: { key: string; match: (event: FollowedEvent) => T | undefined; timeoutMs: number },
  ): Promise<T | null> {
    const outcome = this.outcomes.wait(wait.key, wait.match, wait.timeoutMs);
    try {
      await this.emit(topic, key, envelope);
    } catch (err) {
      outcome.cancel();
      throw err;
    }
    return outcome.promise;
  }

  /** Sends waiting for the broker's acknowledgement right now (including ones a client gave up on). */
  private sendsInFlight = 0;

  /**
   * Sends one command, bounded in time and in number, so that what the client is told is true:
   * - too many sends already waiting (the broker is away): 503 SERVICE.UNAVAILABLE, nothing was emitted;
   * - no acknowledgement in COMMAND_SEND_TIMEOUT_MS: 503 COMMAND.NOT_CONFIRMED, the command may still
   *   land (the producer keeps trying); a retry with the same idempotency key names the same transaction,
   *   so it is safe either way;
   * - the broker refused: 503 SERVICE.UNAVAILABLE, nothing was emitted.
   */
  async emit(topic: TopicId, key: string, envelope: Envelope): Promise<void> {
    if (!this.batcher) throw new ProblemError(503, 'SERVICE.UNAVAILABLE', 'the gateway is not connected');
    if (this.sendsInFlight >= this.config.COMMAND_SENDS_IN_FLIGHT_MAX) {
      throw new ProblemError(
        503,
        'SERVICE.UNAVAILABLE',
        'the broker is not accepting commands right now; nothing was emitted, retry later',
        [],
        { 'retry-after': '1' },
      );
    }
    this.sendsInFlight++;
    const send = this.batcher
      .send(toOutgoing(topicName(topic, this.config.KAFKA_TOPIC_PREFIX), key, envelope))
      .finally(() => this.sendsInFlight--);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.config.COMMAND_SEND_TIMEOUT_MS);
    });
    try {
      const result = await Promise.race([send.then(() => 'sent' as const), timedOut]);
      if (result === 'timeout') {
        send.catch((err: unknown) =>
          this.logger.error(
            { err, topic, correlationId: envelope.correlationId, messageId: envelope.messageId },
            'a command send failed after its deadline',
          ),
        );
        throw new ProblemError(
          503,
          'COMMAND.NOT_CONFIRMED',
          `the broker did not confirm the command within ${this.config.COMMAND_SEND_TIMEOUT_MS} ms; it may still be accepted. Retry with the same idempotency key: that is safe`,
          [],
          { 'retry-after': '1' },
        );
      }
    } catch (err) {
      if (err instanceof ProblemError) throw err;
      this.logger.error(
        { err, topic, correlationId: envelope.correlationId, messageId: envelope.messageId },
        'emitting a command failed',
      );
      throw new ProblemError(
        503,
        'SERVICE.UNAVAILABLE',
        'the command could not be accepted; nothing was emitted, retry with the same idempotency key',
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /** Asks projection-query; the reply is parsed against its contract before anyone uses it. */
  async query<T extends QueryRequest['type']>(request: QueryRequest & { type: T }): Promise<QueryReply<T>> {
    if (!this.queryClient) throw new ProblemError(503, 'SERVICE.UNAVAILABLE', 'the gateway is not connected');
    let raw: unknown;
    try {
      raw = await this.queryClient.ask(request);
    } catch (err) {
      this.logger.warn({ err, type: request.type }, 'query failed');
      // One documented code for every unanswered query; the detail says which it was.
      const timedOut = !(err instanceof QueryFailedError) || err.reason === 'timeout';
      throw new ProblemError(
        503,
        'QUERY.TIMEOUT',
        timedOut ? 'the read side did not answer in time' : 'the read side could not answer; retry later',
        [],
        { 'retry-after': '1' },
      );
    }
    return QueryReplySchemas[request.type].parse(raw) as QueryReply<T>;
  }

  readiness(): ReadinessCheck[] {
    return [
      {
        name: 'kafka',
        check: async () => ({ ok: this.admin !== null && (await kafkaReachable(this.admin)) }),
      },
      {
        name: 'followers',
        check: async () => ({ ok: this.feed !== null && this.feed.isReady() }),
      },
      {
        name: 'queries',
        check: async () => ({
          ok: this.queryClient !== null && this.queryClient.isReady(),
          detail: { waiting: this.queryClient?.waiting ?? 0 },
        }),
      },
      { name: 'waiters', check: async () => ({ ok: true, detail: { waiting: this.outcomes.size } }) },
    ];
  }
}
