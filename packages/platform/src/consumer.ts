import { parseTopicMessage, type MessageTopicId, type TopicMessage } from '@billing/contracts/catalog';
import type { ErrorCode } from '@billing/contracts/errors';
import { topicName } from '@billing/contracts/topics';
import { context } from '@opentelemetry/api';
import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { isLostGroupMembership, isTransient } from './errors';
import { consumerConfig, groupName, sendAll, type OutgoingMessage } from './kafka';
import { ConsumedScope, withLogScope, withMessageLogContext } from './log-context';
import { consumerMeters, platformMetrics } from './metrics';
import { JointBatches, mergeContexts } from './joint-batches';
import { KeptConsumer } from './kept-consumer';
import { IntervalCommitter, type PartitionOffset } from './offset-committer';
import { startMessageSpans, type MessageSpans } from './message-spans';
import { tracingEnabled, withCauseContexts } from './telemetry';
import { backoffMs, delay } from './wait';

export { isTransient } from './errors';

export interface ConsumedMessage<T extends MessageTopicId> {
  message: TopicMessage<T>;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /**
   * The partition's high watermark when the batch was fetched (the offset the next message will get).
   * A stored position beyond it means the log is not the one the position was taken in.
   */
  highWatermark?: string;
}

export interface BatchContext {
  topic: string;
  /** The partitions the batch's messages come from: one fetch's batches are applied together. */
  partitions: readonly number[];
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
  /**
   * The topic, or topics, of the group. A consumer of several topics applies the batches of one fetch
   * together whatever their topic (one transaction for all), so its handler sees them mixed and tells
   * them apart by `topic`.
   */
  topic: T | readonly T[];
  handler: BatchHandler<T>;
  /** Read from the earliest offset when the group has none yet (services), or only new messages (live feeds). */
  fromBeginning: boolean;
  sessionTimeoutMs: number;
  /** How often one message is retried alone before it is judged poison and dead-lettered. */
  messageAttemptsMax?: number;
  /**
   * Partitions worked on at the same time (each still in offset order, one transaction per batch). A
   * handler must lock what it touches in a fixed order so that concurrent batches queue instead of
   * deadlocking; a deadlock that happens anyway is transient and retried.
   */
  partitionsConcurrently?: number;
  /** Most messages applied in one handler call (one database transaction); larger fetches are split. */
  batchSizeMax?: number;
  /**
   * Offsets are committed at most this often (default 1000 ms), and when the consumer stops: a crash
   * redelivers up to this much work, which the handlers' inboxes skip.
   */
  commitIntervalMs?: number;
}

export class BatchConsumer<T extends MessageTopicId> {
  private readonly kept: KeptConsumer;
  private joined = false;
  /** The full topic names consumed, each with its id in the catalog (what its messages parse as). */
  private readonly topics: ReadonlyMap<string, T>;
  private readonly deadLetterTopic: string;
  private readonly attemptsMax: number;
  private readonly log: Logger;
  private readonly groupId: string;

  constructor(private readonly options: BatchConsumerOptions<T>) {
    const ids: readonly T[] = typeof options.topic === 'string' ? [options.topic] : options.topic;
    this.topics = new Map(ids.map((id) => [topicName(id, options.topicPrefix), id]));
    this.deadLetterTopic = topicName('deadLetter', options.topicPrefix);
    this.attemptsMax = options.messageAttemptsMax ?? 3;
    this.log = options.logger.child({
      component: 'consumer',
      topic: [...this.topics.keys()].join(','),
      group: options.groupId,
    });
    this.groupId = groupName(options.topicPrefix, options.groupId);
    // A consumer kafkajs gives up on (it restarts only after retriable errors) is replaced.
    this.kept = new KeptConsumer({
      log: this.log,
      create: () => this.createConsumer(),
      run: (consumer) => this.run(consumer),
    });
    this.committer = new IntervalCommitter({
      commit: (offsets) => this.kept.current.commitOffsets(offsets),
      intervalMs: options.commitIntervalMs ?? 1000,
      log: this.log,
    });
  }

  private createConsumer(): Consumer {
    const consumer = this.options.kafka.consumer(consumerConfig(this.groupId, this.options.sessionTimeoutMs));
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.joined = true;
      // Offsets of the previous generation are refused now; the partitions' next owners redeliver them.
      this.committer.forget();
    });
    consumer.on(consumer.events.CRASH, () => (this.joined = false));
    return consumer;
  }

  /** Ready once the group was joined; a crashed consumer is not ready until it rejoins. */
  isReady(): boolean {
    return this.joined;
  }

  async start(): Promise<void> {
    await this.kept.start();
  }

  private async run(consumer: Consumer): Promise<void> {
    await consumer.connect();
    await consumer.subscribe({
      topics: [...this.topics.keys()],
      fromBeginning: this.options.fromBeginning,
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConcurrently ?? 1,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        const size = this.options.batchSizeMax ?? 500;
        for (let i = 0; i < batch.messages.length; i += size) {
          const chunk = batch.messages.slice(i, i + size);
          const last = chunk.at(-1)!.offset;
          const next = (BigInt(last) + 1n).toString();
          // With tracing off this is one boolean test per chunk; with it on, a span per message (see
          // message-spans.ts) whose context the messages the handler writes carry on.
          const spans = tracingEnabled() ? startMessageSpans(batch.topic, batch.partition, chunk) : null;
          // Every line logged while the chunk is handled names its messages' correlation ids: one small
          // object per chunk, and nothing read from the messages unless a line is written.
          const scope = new ConsumedScope(chunk);
          let outcome: 'committed' | 'lost' | 'stopped';
          try {
            outcome = await withLogScope(scope, () =>
              this.applyChunk(batch.topic, batch.partition, chunk, batch.highWatermark, next, spans, {
                heartbeat,
                goOn: () => isRunning() && !isStale(),
              }),
            );
          } catch (err) {
            spans?.end(err);
            throw err;
          } finally {
            scope.end();
          }
          spans?.end(outcome === 'committed' ? null : 'stopped before the batch was committed');
          // Stopped or rebalanced while waiting out a transient failure: nothing more is resolved, so
          // whoever owns the partition next starts from these messages again.
          if (outcome !== 'committed') return;
          // Resolving moves the fetch position on; the offset commit that makes the progress survive a
          // restart follows within commitIntervalMs (see progress).
          resolveOffset(last);
          this.countCommitted(batch.topic, batch.partition, chunk.length, batch.highWatermark, next);
          try {
            await heartbeat();
          } catch (err) {
            // Thrown out of eachBatch, kafkajs takes this for a crash it does not restart from, and the
            // consumer stays stopped in a live process. Returning lets it rejoin the group instead.
            if (!isLostGroupMembership(err)) throw err;
            this.log.warn(
              { err, partition: batch.partition, offset: next },
              'lost group membership (paused past the session timeout?); rejoining, what follows is redelivered and skipped',
            );
            return;
          }
        }
      },
    });
  }

  /**
   * One chunk of one partition, applied, its offset handed to the committer. A chunk whose messages all
   * parse first joins the chunks of the other partitions of the same fetch (kafkajs hands them to the
   * workers at the same moment), so that one fetch is one database transaction instead of one per
   * partition: per-transaction costs (the inbox claim, the locks, the outbox wake-up, the commit's
   * fsync) are shared by every partition's messages. When the joint attempt fails for any reason, each
   * chunk is applied on its own as before (transient failures waited out, poison isolated and
   * dead-lettered), and the inbox skips whatever the joint attempt might have applied.
   */
  private async applyChunk(
    topic: string,
    partition: number,
    chunk: KafkaMessage[],
    highWatermark: string,
    next: string,
    spans: MessageSpans | null,
    control: { heartbeat: () => Promise<void>; goOn: () => boolean },
  ): Promise<'committed' | 'lost' | 'stopped'> {
    const parsed = this.parseAll(topic, partition, chunk, highWatermark);
    if (parsed !== null) {
      const joint = await this.together.add({
        topic,
        partition,
        parsed,
        next,
        contexts: spans?.contexts ?? null,
      });
      if (joint !== 'alone') return joint;
    }
    const work = () => this.processUntilDone(topic, partition, chunk, highWatermark, control);
    const done = spans
      ? await withCauseContexts(spans.contexts, () =>
          spans.single ? context.with(spans.single, work) : work(),
        )
      : await work();
    if (!done) return 'stopped';
    // Offsets are committed only after the handler's database transaction has committed.
    return this.progress([{ topic, partition, offset: next }]);
  }

  /** Every message of the chunk parsed, or null when one does not (the chunk then goes on its own). */
  private parseAll(
    topic: string,
    partition: number,
    raw: KafkaMessage[],
    highWatermark: string,
  ): ConsumedMessage<T>[] | null {
    const parsed: ConsumedMessage<T>[] = [];
    for (const m of raw) {
      const result = parseTopicMessage(this.idOf(topic), m.value);
      if (!result.ok) return null;
      parsed.push({
        message: result.message,
        topic,
        partition,
        offset: m.offset,
        key: m.key?.toString() ?? null,
        highWatermark,
      });
    }
    return parsed;
  }

  /** The catalog id of a consumed topic's full name. */
  private idOf(topic: string): T {
    const id = this.topics.get(topic);
    if (id === undefined) throw new Error(`a batch of ${topic}, which this consumer does not subscribe to`);
    return id;
  }

  private readonly together = new JointBatches<T>({
    sizeMax: () => this.options.batchSizeMax ?? 500,
    apply: async (parts) => {
      const messages = parts.length === 1 ? parts[0]!.parsed : parts.flatMap((p) => p.parsed);
      const partitions = parts.map((p) => p.partition);
      const contexts = mergeContexts(parts);
      const run = () => this.timed(parts[0]!.topic, partitions, messages);
      // The joint application runs where the first part scheduled it; its lines name all the parts.
      const scope = new ConsumedScope(messages);
      try {
        return await withLogScope(scope, async () => {
          await (contexts ? withCauseContexts(contexts, run) : run());
          return this.progress(
            parts.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.next })),
          );
        });
      } finally {
        scope.end();
      }
    },
    failed: (err, parts) => {
      // Transient or not, each part is retried on its own, where transient failures are waited out.
      if (isTransient(err)) this.transientFailures++;
      else
        withLogScope(new ConsumedScope(parts.flatMap((p) => p.parsed)), () =>
          this.log.warn(
            {
              err,
              partitions: parts.map((p) => p.partition),
              size: parts.reduce((n, p) => n + p.parsed.length, 0),
            },
            'joint batch failed; applying each partition on its own',
          ),
        );
    },
  });

  private readonly committer: IntervalCommitter;

  /** Records applied offsets for the next commit (see IntervalCommitter); the batch counts as done. */
  private progress(offsets: PartitionOffset[]): 'committed' {
    this.committer.progress(offsets);
    return 'committed';
  }

  async stop(): Promise<void> {
    this.joined = false;
    // What was applied is committed before leaving, so a clean stop redelivers nothing.
    await this.committer.stop();
    await this.kept.stop();
  }

  /**
   * Processes the batch, waiting out transient failures (the database restarting, a lost connection, a
   * statement timeout) in place: the partition stays where it is, nothing is committed, nothing is
   * dead-lettered, and the group keeps the member alive through heartbeats. Returns false when the
   * consumer stopped or lost the partition meanwhile.
   */
  private async processUntilDone(
    topic: string,
    partition: number,
    raw: KafkaMessage[],
    highWatermark: string,
    control: { heartbeat: () => Promise<void>; goOn: () => boolean },
  ): Promise<boolean> {
    // Stay well inside the session timeout between heartbeats.
    const backoffMaxMs = Math.max(200, Math.min(10_000, Math.floor(this.options.sessionTimeoutMs / 3)));
    for (let attempt = 1; ; attempt++) {
      try {
        await this.processBatch(topic, partition, raw, highWatermark);
        return true;
      } catch (err) {
        if (!isTransient(err)) throw err;
        this.transientFailures++;
        this.log.warn(
          { err, partition, attempt, firstOffset: raw[0]?.offset },
          'transient failure; retrying the batch without committing',
        );
        await delay(backoffMs(attempt, 200, backoffMaxMs));
        await control.heartbeat().catch(() => undefined);
        if (!control.goOn()) return false;
      }
    }
  }

  /**
   * Per chunk (one transaction) the metrics cost about 4 µs, measured, with the label lookups done once
   * per partition (consumerMeters); nothing is done per message.
   */
  private countCommitted(
    topic: string,
    partition: number,
    size: number,
    highWatermark: string,
    next: string,
  ): void {
    consumerMeters(topic, partition).handled(size, highWatermark, next);
  }

  /** How often a batch met a transient failure since start (for metrics and tests). */
  transientFailures = 0;

  private async processBatch(
    topic: string,
    partition: number,
    raw: KafkaMessage[],
    highWatermark: string,
  ): Promise<void> {
    const parsed: ConsumedMessage<T>[] = [];
    const dead: OutgoingMessage[] = [];
    for (const m of raw) {
      const result = parseTopicMessage(this.idOf(topic), m.value);
      if (result.ok) {
        parsed.push({
          message: result.message,
          topic,
          partition,
          offset: m.offset,
          key: m.key?.toString() ?? null,
          highWatermark,
        });
      } else {
        this.log.warn(
          {
            partition,
            offset: m.offset,
            code: result.code,
            detail: result.detail,
            correlationId: m.headers?.['correlation-id']?.toString(),
            messageId: m.headers?.['message-id']?.toString(),
          },
          'dead-lettering',
        );
        dead.push(this.deadLetter(topic, partition, m, result.code, result.detail));
      }
    }
    if (dead.length > 0) {
      await sendAll(this.options.producer, dead);
      this.countDeadLetters(topic, dead);
    }
    if (parsed.length === 0) return;
    try {
      await this.timed(topic, [partition], parsed);
    } catch (err) {
      // A transient failure says nothing about the messages: the whole batch is waited out.
      if (isTransient(err)) throw err;
      this.log.warn({ err, partition, size: parsed.length }, 'batch failed; retrying message by message');
      await this.processOneByOne(topic, partition, parsed, raw);
    }
  }

  /** The handler call, measured: its duration by outcome and the size of the batch it applied. */
  private async timed(
    topic: string,
    partitions: readonly number[],
    parsed: ConsumedMessage<T>[],
  ): Promise<void> {
    const m = consumerMeters(topic, partitions[0]!);
    const started = performance.now();
    let ok = false;
    try {
      await this.options.handler(parsed, { topic, partitions });
      ok = true;
    } finally {
      (ok ? m.handlerOk : m.handlerError).observe((performance.now() - started) / 1000);
      if (ok) m.batchSize.observe(parsed.length);
    }
  }

  private countDeadLetters(topic: string, dead: readonly OutgoingMessage[]): void {
    for (const d of dead)
      platformMetrics.deadLetters.labels(topic, d.headers['dlq-error-code'] ?? 'unknown').inc();
  }

  /**
   * Isolates a poison message: each message is retried alone with back-off; one that still fails with a
   * non-transient error goes to the dead-letter topic with the reason, so that the partition moves on. A
   * transient error (the database is down) is rethrown: the whole batch is waited out and tried again,
   * and what was applied meanwhile is recognised by the inbox.
   */
  private async processOneByOne(
    topic: string,
    partition: number,
    parsed: ConsumedMessage<T>[],
    raw: KafkaMessage[],
  ): Promise<void> {
    for (const item of parsed) {
      // Handled alone, so everything logged meanwhile is about this message.
      await withMessageLogContext(item.message, () => this.processAlone(topic, partition, item, raw));
    }
  }

  private async processAlone(
    topic: string,
    partition: number,
    item: ConsumedMessage<T>,
    raw: KafkaMessage[],
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.timed(topic, [partition], [item]);
        return;
      } catch (err) {
        if (isTransient(err)) throw err;
        if (attempt >= this.attemptsMax) {
          const original = raw.find((m) => m.offset === item.offset)!;
          this.log.error({ err, offset: item.offset }, 'message failed repeatedly; dead-lettering');
          const dead = [this.deadLetter(topic, partition, original, 'MESSAGE.HANDLER_FAILED', String(err))];
          await sendAll(this.options.producer, dead);
          this.countDeadLetters(topic, dead);
          return;
        }
        await delay(backoffMs(attempt, 100, 2000));
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
