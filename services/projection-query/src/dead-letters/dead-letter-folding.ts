import type { TopicMessage } from '@billing/contracts/catalog';
import { topicName } from '@billing/contracts/topics';
import type { ConsumedMessage } from '@billing/platform/consumer';
import type { Knex } from '@billing/platform/db';
import { toDeadLetter } from '@billing/platform/dead-letters';
import { isTransient } from '@billing/platform/errors';
import { consumerConfig, groupName } from '@billing/platform/kafka';
import type { Logger } from '@billing/platform/logger';
import { backoffMs, delay } from '@billing/platform/wait';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { DEAD_LETTERS_TABLE, DEAD_LETTER_REPLAYS_TABLE, rowOf } from './dead-letter-rows';
import { replayabilityOf } from './replayability';

/** Stores dead letters; one seen before (a redelivered batch) is left as it is. */
export async function storeDeadLetters(
  knex: Knex,
  topicPrefix: string,
  partition: number,
  messages: readonly KafkaMessage[],
): Promise<void> {
  if (messages.length === 0) return;
  const rows = messages.map((m) => {
    const d = toDeadLetter(partition, m);
    return rowOf(d, replayabilityOf(d, topicPrefix));
  });
  await knex(DEAD_LETTERS_TABLE).insert(rows).onConflict('id').ignore();
}

/** A replay was asked for (the gateway's request, as the services receive it). */
export async function recordReplayRequests(
  knex: Knex,
  batch: readonly ConsumedMessage<'deadLetterReplays'>[],
): Promise<void> {
  const rows = batch.map(({ message: m }) => ({
    replay_id: m.messageId,
    dead_letter_id: m.data.deadLetterId,
    requested_at: m.occurredAt,
    requested_by: `${m.actor.kind}:${m.actor.id}`,
  }));
  if (rows.length > 0)
    await knex(DEAD_LETTER_REPLAYS_TABLE)
      .insert(rows)
      .onConflict('replay_id')
      .merge(['requested_at', 'requested_by']);
}

/** A service answered; the answer may arrive before the request is seen (another topic), or twice. */
export async function recordReplayOutcomes(
  knex: Knex,
  batch: readonly ConsumedMessage<'deadLetterReplayOutcomes'>[],
): Promise<void> {
  const rows = batch.map(({ message: m }: { message: TopicMessage<'deadLetterReplayOutcomes'> }) => ({
    replay_id: m.data.replayId,
    dead_letter_id: m.data.deadLetterId,
    outcome: m.data.outcome,
    completed_at: m.occurredAt,
    code: m.data.code,
    detail: m.data.detail,
  }));
  if (rows.length > 0)
    await knex(DEAD_LETTER_REPLAYS_TABLE)
      .insert(rows)
      .onConflict('replay_id')
      .merge(['outcome', 'completed_at', 'code', 'detail']);
}

/**
 * Folds the dead-letter topic into the dead_letters table. Its records are not envelopes (they are what
 * could not be parsed, among others), so this is a plain consumer rather than a BatchConsumer: each
 * fetched batch is stored in one statement, waited out while the database is away, then committed.
 */
export class DeadLetterFolder {
  private consumer: Consumer | null = null;
  private joined = false;

  constructor(
    private readonly options: {
      kafka: Kafka;
      knex: Knex;
      logger: Logger;
      topicPrefix: string;
      consumerGroup: string;
      sessionTimeoutMs: number;
    },
  ) {}

  isReady(): boolean {
    return this.joined;
  }

  async start(): Promise<void> {
    const { kafka, knex, topicPrefix, sessionTimeoutMs } = this.options;
    const log = this.options.logger.child({ component: 'dead-letter-folder' });
    const topic = topicName('deadLetter', topicPrefix);
    const consumer = kafka.consumer(
      consumerConfig(groupName(topicPrefix, `${this.options.consumerGroup}.dead-letters`), sessionTimeoutMs),
    );
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => (this.joined = true));
    consumer.on(consumer.events.CRASH, (e) => {
      this.joined = false;
      log.error({ err: e.payload.error, restart: e.payload.restart }, 'dead-letter consumer crashed');
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale }) => {
        if (batch.messages.length === 0) return;
        for (let attempt = 1; ; attempt++) {
          try {
            await storeDeadLetters(knex, topicPrefix, batch.partition, batch.messages);
            break;
          } catch (err) {
            // Rows are sanitised and inserted idempotently: any failure is the database's, waited out.
            log.warn({ err, attempt, transient: isTransient(err) }, 'storing dead letters failed; retrying');
            await delay(backoffMs(attempt, 200, 5_000));
            await heartbeat().catch(() => undefined);
            if (!isRunning() || isStale()) return;
          }
        }
        const next = (BigInt(batch.messages.at(-1)!.offset) + 1n).toString();
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
        await heartbeat();
      },
    });
  }

  async stop(): Promise<void> {
    this.joined = false;
    await this.consumer?.disconnect();
  }
}
