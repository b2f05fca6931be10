import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { fixtures } from '@billing/contracts/fixtures';
import { topicName } from '@billing/contracts/topics';
import { uuidv7 } from '@billing/contracts/uuid';
import { adminSecurity, testEnv } from '@billing/testing/env';
import { createTopics, uniqueTopicPrefix } from '@billing/testing/infra';
import { connectProducer, groupCaughtUp, TopicProbe } from '@billing/testing/kafka-probe';
import { waitFor } from '@billing/testing/wait';
import type { Producer } from 'kafkajs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchConsumer } from './consumer';
import { createDatabase, dropDatabase, ensureDatabase, type Knex } from './db';
import { readDeadLetters, replayDeadLetters, type DeadLetter } from './dead-letters';
import { claimInbox, createInboxTable } from './inbox';
import { createKafka, createProducer, groupName } from './kafka';

/**
 * Dead letters are operable: `npm run dlq` lists one with its reason, and replaying it after the cause
 * was fixed gets it applied exactly once, however often it is replayed, because the consumer's inbox
 * dedupes by messageId. Real broker and PostgreSQL; the CLI runs as the operator would run it.
 */
const prefix = uniqueTopicPrefix('dlq');
const logger = pino({ level: 'silent' });
const accountCommands = topicName('accountCommands', prefix);
const deadLetterTopic = topicName('deadLetter', prefix);
const DLQ_CLI = path.resolve(__dirname, '../../../infra/local/dist/dlq.js');
let producer: Producer;
let serviceProducer: Producer;
let probe: TopicProbe;
let knex: Knex;
let databaseUrl: string;

const kafkaFor = (clientId: string) =>
  createKafka(
    { brokers: testEnv().kafkaBrokers, clientId, topicPrefix: prefix, security: adminSecurity() },
    logger,
  );

beforeAll(async () => {
  const env = testEnv();
  await createTopics(env.kafkaBrokers, prefix);
  producer = await connectProducer(env.kafkaBrokers);
  serviceProducer = await createProducer(kafkaFor('dlq-test'));
  probe = new TopicProbe(env.kafkaBrokers, [accountCommands]);
  await probe.start();
  const url = new URL(env.databaseUrl);
  url.pathname = `/dlq_${prefix.replace(/[^a-z0-9]/g, '_').slice(0, 40)}`;
  databaseUrl = url.toString();
  await ensureDatabase(databaseUrl);
  knex = createDatabase({ url: databaseUrl, poolMax: 4, applicationName: 'dlq-test' });
  await createInboxTable(knex);
});

afterAll(async () => {
  await probe?.stop();
  await producer?.disconnect();
  await serviceProducer?.disconnect();
  await knex?.destroy();
  if (databaseUrl) await dropDatabase(databaseUrl);
});

async function dlq(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('node', [DLQ_CLI, ...args], {
    env: { ...process.env, KAFKA_BROKERS: testEnv().kafkaBrokers.join(','), KAFKA_TOPIC_PREFIX: prefix },
    timeout: 60_000,
  }).catch((err: { stdout?: string; code?: number }) => {
    // replay exits 1 when it refused some ids; its output still says what it did.
    if (err.code === 1 && err.stdout !== undefined) return { stdout: err.stdout };
    throw err;
  });
  return stdout;
}

function openAccount() {
  return {
    ...fixtures.OpenAccount,
    messageId: uuidv7(),
    data: { ...fixtures.OpenAccount.data, accountId: uuidv7() },
  };
}

describe('the dead-letter tool', () => {
  it('lists a dead letter with its reason, replays it once per call, and the consumer applies it once', async () => {
    const broken = new Set<string>();
    const handled: string[] = [];
    const applied: string[] = [];
    const consumer = new BatchConsumer({
      kafka: kafkaFor('dlq-consumer'),
      producer: serviceProducer,
      logger,
      groupId: 'dlq-consumer',
      topicPrefix: prefix,
      topic: 'accountCommands',
      handler: (batch) =>
        knex.transaction(async (trx) => {
          for (const m of batch) {
            if (broken.has(m.message.messageId)) throw new Error('the handler has a bug for this one');
            handled.push(m.message.messageId);
            const claimed = await claimInbox(trx, {
              messageId: m.message.messageId,
              type: m.message.type,
              topic: m.topic,
              partition: m.partition,
              offset: m.offset,
            });
            if (claimed) applied.push(m.message.messageId);
          }
        }),
      fromBeginning: true,
      sessionTimeoutMs: 6000,
      messageAttemptsMax: 2,
    });
    await consumer.start();
    try {
      const poison = openAccount();
      const after = openAccount();
      broken.add(poison.messageId);
      await producer.send({
        topic: accountCommands,
        messages: [poison, after].map((m) => ({ key: 'k', value: JSON.stringify(m) })),
      });
      await waitFor(
        'the next message applied',
        () => (applied.includes(after.messageId) ? true : undefined),
        {
          timeoutMs: 30_000,
        },
      );

      // list: the operator sees where it is, why, and what it is.
      const listed = await waitFor('the dead letter listed', async () => {
        const all = JSON.parse(await dlq('list', '--json')) as DeadLetter[];
        return all.find((d) => d.messageId === poison.messageId);
      });
      expect(listed).toMatchObject({
        errorCode: 'MESSAGE.HANDLER_FAILED',
        originalTopic: accountCommands,
        messageType: 'OpenAccount',
        consumerGroup: groupName(prefix, 'dlq-consumer'),
      });
      expect(listed.errorDetail).toContain('the handler has a bug for this one');
      expect(await dlq('list')).toContain(`${listed.id}`);
      expect(JSON.parse(await dlq('show', listed.id))).toMatchObject({ id: listed.id, value: poison });

      // The bug is fixed; replay, naming the same dead letter twice: it goes out once.
      broken.delete(poison.messageId);
      const replay = await dlq('replay', listed.id, listed.id);
      expect(replay).toContain(`${listed.id}: replayed, to ${accountCommands}`);
      expect(replay).toContain(`${listed.id}: not replayed, named twice in this call`);
      await waitFor(
        'the replayed message applied',
        () => (applied.includes(poison.messageId) ? true : undefined),
        {
          timeoutMs: 30_000,
        },
      );
      const copies = probe.messages.filter(
        (m) => m.topic === accountCommands && m.value.includes(poison.messageId),
      );
      expect(copies).toHaveLength(2);
      expect(Object.keys(copies[1]!.headers).filter((h) => h.startsWith('dlq-'))).toEqual([]);
      expect(copies[1]!.key).toBe('k');

      // A second replay in another call reaches the consumer again, which recognises it.
      const all = await readDeadLetters({
        kafka: kafkaFor('dlq-read'),
        topic: deadLetterTopic,
        groupPrefix: prefix,
      });
      await replayDeadLetters(serviceProducer, all, [listed.id]);
      await waitFor('the second replay handled', () =>
        handled.filter((id) => id === poison.messageId).length === 2 ? true : undefined,
      );
      await waitFor('the consumer caught up', async () =>
        (await groupCaughtUp(testEnv().kafkaBrokers, groupName(prefix, 'dlq-consumer'), accountCommands))
          ? true
          : undefined,
      );
      expect(applied.filter((id) => id === poison.messageId)).toHaveLength(1);
    } finally {
      await consumer.stop();
    }
  });
});
