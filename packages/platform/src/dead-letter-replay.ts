import { randomBytes } from 'node:crypto';
import { createMessage, parseTopicMessage, type MessageTopicId } from '@billing/contracts/catalog';
import { SYSTEM_ACTOR } from '@billing/contracts/envelope';
import type { ErrorCode } from '@billing/contracts/errors';
import {
  DeadLetterReplayed,
  type ReplayDeadLetterMessage,
  type ReplayingService,
} from '@billing/contracts/messages/dead-letters';
import { topicName } from '@billing/contracts/topics';
import type { Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { BatchHandler, ConsumedMessage } from './consumer';
import { isTransient } from './errors';
import { consumerConfig, sendAll, toOutgoing } from './kafka';

/**
 * A service answering ReplayDeadLetter requests for its own consumer groups: it reads the original record
 * again from its original topic at its original offset (never a copy from the dead-letter topic or the
 * request, which anyone who may write those could have forged), parses it as its consumer does and feeds
 * it through the same handler it failed in. The handler's inbox recognises a message applied before, so a
 * replay applies a message at most once however often it is asked for. The outcome goes out as
 * DeadLetterReplayed; a transient failure (the database is away) is rethrown so that the request is
 * waited out like any batch.
 */

/** A consumer of the service that may be replayed into: its group (prefixed), its topic and handler. */
export interface ReplayTarget {
  groupId: string;
  topic: MessageTopicId;
  handler: BatchHandler<MessageTopicId>;
}

export interface ReplayOptions {
  kafka: Kafka;
  producer: Producer;
  logger: Logger;
  service: ReplayingService;
  topicPrefix: string;
  targets: readonly ReplayTarget[];
  hlc: () => { now(): string };
  nowMs?: () => number;
  sessionTimeoutMs: number;
  /** Longest wait for the original record to arrive once the read group has joined. */
  readTimeoutMs?: number;
}

export type ReplayDecision =
  | { kind: 'ignore' }
  | { kind: 'refuse'; code: ErrorCode; detail: string }
  | { kind: 'read'; target: ReplayTarget; topic: string };

/** Whether this service answers a request and, if so, which of its consumers it names. Pure. */
export function decideReplay(
  request: ReplayDeadLetterMessage['data'],
  service: ReplayingService,
  topicPrefix: string,
  targets: readonly ReplayTarget[],
): ReplayDecision {
  if (request.service !== service) return { kind: 'ignore' };
  // A group of several topics is one target per topic.
  const ofGroup = targets.filter((t) => t.groupId === request.consumerGroup);
  if (ofGroup.length === 0)
    return {
      kind: 'refuse',
      code: 'DEAD_LETTER.NOT_REPLAYABLE',
      detail: `${service} has no consumer group ${request.consumerGroup} (renamed or retired since?)`,
    };
  const target = ofGroup.find((t) => topicName(t.topic, topicPrefix) === request.originalTopic);
  if (target === undefined)
    return {
      kind: 'refuse',
      code: 'DEAD_LETTER.NOT_REPLAYABLE',
      detail: `consumer group ${request.consumerGroup} reads ${ofGroup.map((t) => topicName(t.topic, topicPrefix)).join(', ')}, not ${request.originalTopic}`,
    };
  return { kind: 'read', target, topic: request.originalTopic };
}

/** The message id a record's envelope carries, from its header or else its value. */
function messageIdOf(m: KafkaMessage): string | null {
  const header = m.headers?.['message-id'];
  if (header !== undefined) return String(header);
  try {
    const parsed = JSON.parse(m.value?.toString('utf8') ?? '') as { messageId?: unknown };
    return typeof parsed.messageId === 'string' ? parsed.messageId : null;
  } catch {
    return null;
  }
}

/**
 * The record at `offset` of one partition, or null when the log no longer (or never) held it: below the
 * log start after retention, at or past its end, or compacted away. Reads with a group of its own, named
 * under the service's groups (its ACLs cover them), which commits nothing and is deleted afterwards.
 */
export async function readRecord(
  kafka: Kafka,
  groupPrefix: string,
  where: { topic: string; partition: number; offset: string },
  sessionTimeoutMs: number,
  timeoutMs = 30_000,
): Promise<KafkaMessage | null> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `${groupPrefix}.dlq-replay.${randomBytes(6).toString('hex')}`;
  try {
    const offsets = await admin.fetchTopicOffsets(where.topic);
    const range = offsets.find((o) => o.partition === where.partition);
    const wanted = BigInt(where.offset);
    if (range === undefined || wanted < BigInt(range.low) || wanted >= BigInt(range.high)) return null;
    const consumer = kafka.consumer(consumerConfig(groupId, sessionTimeoutMs));
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: where.topic, fromBeginning: false });
      return await new Promise<KafkaMessage | null>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`reading ${where.topic}/${where.partition}@${where.offset} timed out`)),
          timeoutMs,
        );
        const done = (m: KafkaMessage | null) => {
          clearTimeout(timer);
          resolve(m);
        };
        consumer
          .run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              if (batch.partition !== where.partition) return;
              // The first record at or after the offset: a later one means the wanted one is gone.
              const m = batch.messages.find((x) => BigInt(x.offset) >= wanted);
              if (m !== undefined) done(BigInt(m.offset) === wanted ? m : null);
            },
          })
          .then(() => consumer.seek({ topic: where.topic, partition: where.partition, offset: where.offset }))
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

type Outcome =
  { outcome: 'replayed'; code: null; detail: null } | { outcome: 'failed'; code: ErrorCode; detail: string };

const failed = (code: ErrorCode, detail: string): Outcome => ({
  outcome: 'failed',
  code,
  detail: detail.slice(0, 1000),
});

/** The handler of the replay requests topic. Give its consumer batches of one: each read joins a group. */
export function replayHandler(options: ReplayOptions): BatchHandler<'deadLetterReplays'> {
  const log = options.logger.child({ component: 'dead-letter-replay' });
  const nowMs = options.nowMs ?? Date.now;
  const outcomeTopic = topicName('deadLetterReplayOutcomes', options.topicPrefix);

  async function replay(request: ReplayDeadLetterMessage): Promise<Outcome | null> {
    const decision = decideReplay(request.data, options.service, options.topicPrefix, options.targets);
    if (decision.kind === 'ignore') return null;
    if (decision.kind === 'refuse') return failed(decision.code, decision.detail);
    const { target, topic } = decision;
    const { originalPartition: partition, originalOffset: offset } = request.data;
    const record = await readRecord(
      options.kafka,
      `${options.topicPrefix}${options.service}`,
      { topic, partition, offset },
      options.sessionTimeoutMs,
      options.readTimeoutMs,
    );
    const place = `${topic}/${partition}@${offset}`;
    if (record === null)
      return failed('DEAD_LETTER.ORIGINAL_UNAVAILABLE', `${place} is no longer on the topic (retention?)`);
    const expected = request.data.messageId;
    const found = messageIdOf(record);
    if (expected !== null && found !== expected)
      return failed(
        'DEAD_LETTER.ORIGINAL_UNAVAILABLE',
        `${place} holds message ${found ?? '(none)'}, not ${expected}: the topic was recreated?`,
      );
    const parsed = parseTopicMessage(target.topic, record.value);
    if (!parsed.ok) return failed(parsed.code, parsed.detail);
    const consumed: ConsumedMessage<MessageTopicId> = {
      message: parsed.message,
      topic,
      partition,
      offset,
      key: record.key?.toString() ?? null,
    };
    try {
      await target.handler([consumed], { topic, partitions: [partition] });
    } catch (err) {
      if (isTransient(err)) throw err;
      return failed('MESSAGE.HANDLER_FAILED', String(err));
    }
    return { outcome: 'replayed', code: null, detail: null };
  }

  return async (batch) => {
    for (const { message: request } of batch) {
      const outcome = await replay(request);
      if (outcome === null) continue;
      const { deadLetterId, service, consumerGroup } = request.data;
      log.info(
        { deadLetterId, consumerGroup, replayId: request.messageId, ...outcome },
        'dead letter replay',
      );
      const event = createMessage(
        DeadLetterReplayed,
        { deadLetterId, replayId: request.messageId, service, consumerGroup, ...outcome },
        {
          actor: { ...SYSTEM_ACTOR, id: options.service },
          hlc: options.hlc().now(),
          causedBy: { messageId: request.messageId, correlationId: request.correlationId },
          nowMs: nowMs(),
        },
      );
      // Sent before the request's offset is committed: at least once, and the read model folds repeats.
      await sendAll(options.producer, [toOutgoing(outcomeTopic, deadLetterId, event)]);
    }
  };
}
