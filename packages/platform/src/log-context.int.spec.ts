import { fixtures } from '@billing/contracts/fixtures';
import { topicName } from '@billing/contracts/topics';
import { uuidv7 } from '@billing/contracts/uuid';
import { adminSecurity, testEnv } from '@billing/testing/env';
import { createTopics, uniqueTopicPrefix } from '@billing/testing/infra';
import { connectProducer } from '@billing/testing/kafka-probe';
import { waitFor } from '@billing/testing/wait';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchConsumer } from './consumer';
import { createDatabase, dropDatabase, ensureDatabase, type Knex } from './db';
import { createKafka, createProducer, toOutgoing } from './kafka';
import { withMessageLogContext } from './log-context';
import { createLogger } from './logger';

/**
 * What a consumer logs names the messages it was handling: a line about a batch lists their
 * correlation ids, a line about one message carries its own, and a message handled alone (a poison
 * message isolated from its batch) gives every line meanwhile its ids. Tracing is off, as it is by
 * default. Real broker and PostgreSQL; the log is read from the logger's destination.
 */
const prefix = uniqueTopicPrefix('logctx');
const accountCommands = topicName('accountCommands', prefix);
const lines: string[] = [];
const logger = createLogger('log-context-test', 'info', { write: (l: string) => void lines.push(l) });
const logged = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
let producer: Producer;
let serviceProducer: Producer;
let knex: Knex;
let databaseUrl: string;

const kafkaFor = (clientId: string) =>
  createKafka(
    { brokers: testEnv().kafkaBrokers, clientId, topicPrefix: prefix, security: adminSecurity() },
    createLogger('kafka', 'silent'),
  );

beforeAll(async () => {
  const env = testEnv();
  await createTopics(env.kafkaBrokers, prefix);
  producer = await connectProducer(env.kafkaBrokers);
  serviceProducer = await createProducer(kafkaFor('logctx-test'));
  const url = new URL(env.databaseUrl);
  url.pathname = `/logctx_${prefix.replace(/[^a-z0-9]/g, '_').slice(0, 40)}`;
  databaseUrl = url.toString();
  await ensureDatabase(databaseUrl);
  knex = createDatabase({ url: databaseUrl, poolMax: 2, applicationName: 'logctx-test' });
});

afterAll(async () => {
  await producer?.disconnect();
  await serviceProducer?.disconnect();
  await knex?.destroy();
  if (databaseUrl) await dropDatabase(databaseUrl);
});

function command(correlationId: string, causationId: string | null) {
  return {
    ...fixtures.OpenAccount,
    messageId: uuidv7(),
    correlationId,
    causationId,
    data: { ...fixtures.OpenAccount.data, accountId: uuidv7() },
  };
}

describe('log lines of a consumer', () => {
  it('carry the correlation ids of the batch, and of the one message a line is about', async () => {
    const shared = uuidv7();
    const messages = [
      command(shared, null),
      command(shared, uuidv7()),
      command(uuidv7(), null),
      command(uuidv7(), uuidv7()),
    ];
    const poison = command(uuidv7(), uuidv7());
    const all = [...messages, poison];
    const applied = new Set<string>();
    const consumer = new BatchConsumer({
      kafka: kafkaFor('logctx-consumer'),
      producer: serviceProducer,
      logger,
      groupId: 'logctx-consumer',
      topicPrefix: prefix,
      topic: 'accountCommands',
      fromBeginning: true,
      sessionTimeoutMs: 6000,
      messageAttemptsMax: 1,
      // Several partitions at once: their chunks of one fetch are applied together (joint-batches.ts).
      partitionsConcurrently: 6,
      handler: (batch) =>
        knex.transaction(async (trx) => {
          await trx.raw('select 1');
          logger.info({ size: batch.length }, 'applying');
          for (const m of batch) {
            if (m.message.messageId === poison.messageId) throw new Error('a bug for this one');
            withMessageLogContext(m.message, () => logger.info({ id: m.message.messageId }, 'applied one'));
          }
          for (const m of batch) applied.add(m.message.messageId);
        }),
    });
    await consumer.start();
    try {
      // One send over several partitions: the consumer applies them together, or in a few batches.
      await producer.send({
        topic: accountCommands,
        messages: all.map((m, i) => {
          const key = `k${i % 3}`;
          const { value, headers } = toOutgoing(accountCommands, key, m);
          return { key, value, headers };
        }),
      });
      await waitFor(
        'the poison message dead-lettered',
        () => logged().find((l) => l.msg === 'message failed repeatedly; dead-lettering'),
        { timeoutMs: 30_000 },
      );
      await waitFor('the others applied', () =>
        messages.every((m) => applied.has(m.messageId)) ? true : undefined,
      );
    } finally {
      await consumer.stop();
    }

    // Every line about one message names it, whether it was handled in a batch or alone.
    const lines = logged();
    for (const m of messages) {
      const about = lines.filter((l) => l.msg === 'applied one' && l.id === m.messageId);
      expect(about.length).toBeGreaterThan(0);
      for (const l of about) {
        expect(l).toMatchObject({ correlationId: m.correlationId, messageId: m.messageId });
        if (m.causationId !== null) expect(l.causationId).toBe(m.causationId);
        else expect(l).not.toHaveProperty('causationId');
      }
    }
    expect(lines.find((l) => l.msg === 'message failed repeatedly; dead-lettering')).toMatchObject({
      correlationId: poison.correlationId,
      messageId: poison.messageId,
      causationId: poison.causationId,
    });

    // A line about the whole batch lists its distinct correlation ids (or names the one message).
    const about = lines.filter((l) => l.msg === 'applying');
    const named = new Set<unknown>();
    for (const l of about) {
      if (l.size === 1) {
        expect(l.correlationId).toEqual(expect.any(String));
        named.add(l.correlationId);
      } else {
        expect(l).not.toHaveProperty('correlationId');
        const ids = l.correlationIds as string[];
        expect(l.correlationIdCount).toBe(ids.length);
        expect(new Set(ids).size).toBe(ids.length);
        for (const id of ids) named.add(id);
      }
    }
    for (const m of all) expect(named).toContain(m.correlationId);
    // The poison message broke its batch, which says so naming it among the others (or alone).
    const failed = lines.find((l) => l.msg === 'batch failed; retrying message by message')!;
    expect(failed.correlationIds ?? [failed.correlationId]).toContain(poison.correlationId);
    for (const joint of lines.filter(
      (l) => l.msg === 'joint batch failed; applying each partition on its own',
    ))
      expect(joint.correlationIds).toContain(poison.correlationId);
  });
});
