import { fixtures } from '@billing/contracts/fixtures';
import { topicName } from '@billing/contracts/topics';
import { uuidv7 } from '@billing/contracts/uuid';
import { adminSecurity, testEnv } from '@billing/testing/env';
import { createTopics, uniqueTopicPrefix } from '@billing/testing/infra';
import { connectProducer, TopicProbe } from '@billing/testing/kafka-probe';
import { waitFor } from '@billing/testing/wait';
import type { Producer } from 'kafkajs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchConsumer } from './consumer';
import { createKafka, createProducer } from './kafka';

/**
 * A consumer accepts exactly the (type, version)s its topic declares. A version it was not written for
 * (a producer deployed ahead of it) is dead-lettered as MESSAGE.UNKNOWN_VERSION, to be replayed once the
 * consumer that knows it runs, and the partition keeps flowing. Real broker.
 */
const prefix = uniqueTopicPrefix('versions');
const logger = pino({ level: 'silent' });
const accountCommands = topicName('accountCommands', prefix);
const deadLetter = topicName('deadLetter', prefix);
let producer: Producer;
let serviceProducer: Producer;
let probe: TopicProbe;

beforeAll(async () => {
  const { kafkaBrokers } = testEnv();
  await createTopics(kafkaBrokers, prefix);
  producer = await connectProducer(kafkaBrokers);
  serviceProducer = await createProducer(
    createKafka(
      { brokers: kafkaBrokers, clientId: 'versions-test', topicPrefix: prefix, security: adminSecurity() },
      logger,
    ),
  );
  probe = new TopicProbe(kafkaBrokers, [deadLetter]);
  await probe.start();
});

afterAll(async () => {
  await probe?.stop();
  await producer?.disconnect();
  await serviceProducer?.disconnect();
});

function openAccount(version = 1) {
  return {
    ...fixtures.OpenAccount,
    version,
    messageId: uuidv7(),
    data: { ...fixtures.OpenAccount.data, accountId: uuidv7() },
  };
}

describe('a consumer fed a message version it does not declare', () => {
  it('dead-letters it as MESSAGE.UNKNOWN_VERSION with the reason and processes the next message', async () => {
    const seen: string[] = [];
    const consumer = new BatchConsumer({
      kafka: createKafka(
        {
          brokers: testEnv().kafkaBrokers,
          clientId: 'versions',
          topicPrefix: prefix,
          security: adminSecurity(),
        },
        logger,
      ),
      producer: serviceProducer,
      logger,
      groupId: 'versions',
      topicPrefix: prefix,
      topic: 'accountCommands',
      handler: async (batch) => {
        for (const m of batch) seen.push(m.message.messageId);
      },
      fromBeginning: true,
      sessionTimeoutMs: 6000,
    });
    await consumer.start();
    try {
      const future = openAccount(2);
      const next = openAccount(1);
      // One key: both land on one partition, the unknown version first.
      await producer.send({
        topic: accountCommands,
        messages: [future, next].map((m) => ({ key: 'k', value: JSON.stringify(m) })),
      });
      await waitFor('the next message processed', () => (seen.includes(next.messageId) ? true : undefined), {
        timeoutMs: 30_000,
      });
      const dead = await waitFor('the dead letter', () =>
        probe.messages.find((m) => m.topic === deadLetter && m.value.includes(future.messageId)),
      );
      expect(seen).not.toContain(future.messageId);
      expect(dead.headers).toMatchObject({
        'dlq-error-code': 'MESSAGE.UNKNOWN_VERSION',
        'dlq-error-detail': `OpenAccount v2 is not a version consumers of ${accountCommands.slice(prefix.length)} accept (they accept v1)`,
        'dlq-original-topic': accountCommands,
      });
      expect(JSON.parse(dead.value)).toEqual(future);
    } finally {
      await consumer.stop();
    }
  });
});
