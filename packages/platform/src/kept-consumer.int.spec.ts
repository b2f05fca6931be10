import { topicName } from '@billing/contracts/topics';
import { adminSecurity, testEnv } from '@billing/testing/env';
import { createTopics, uniqueTopicPrefix } from '@billing/testing/infra';
import { connectProducer } from '@billing/testing/kafka-probe';
import { waitFor } from '@billing/testing/wait';
import { KafkaJSNonRetriableError, type Producer } from 'kafkajs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerConfig, createKafka } from './kafka';
import { KeptConsumer } from './kept-consumer';

/** A consumer that kafkajs gives up on is replaced, not left stopped in a live process. Real broker. */
const prefix = uniqueTopicPrefix('kept');
const logger = pino({ level: 'silent' });
const topic = topicName('queries', prefix);
let producer: Producer;

beforeAll(async () => {
  await createTopics(testEnv().kafkaBrokers, prefix);
  producer = await connectProducer(testEnv().kafkaBrokers);
});

afterAll(async () => {
  await producer?.disconnect();
});

describe('a kept consumer', () => {
  it('starts a fresh consumer after a crash kafkajs does not restart, and goes on consuming', async () => {
    const kafka = createKafka(
      {
        brokers: testEnv().kafkaBrokers,
        clientId: 'kept-test',
        topicPrefix: prefix,
        security: adminSecurity(),
      },
      logger,
    );
    const seen: string[] = [];
    let crashes = 0;
    let refuseNext = true;
    const kept = new KeptConsumer({
      log: logger,
      create: () => {
        const consumer = kafka.consumer(consumerConfig(`${prefix}kept`, 6000));
        consumer.on(consumer.events.CRASH, (e) => {
          if (!e.payload.restart) crashes++;
        });
        return consumer;
      },
      run: async (consumer) => {
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ message }) => {
            if (refuseNext) {
              refuseNext = false;
              // What kafkajs treats as final: it disconnects the consumer for good.
              throw new KafkaJSNonRetriableError('refused on purpose');
            }
            seen.push(message.value!.toString());
          },
        });
      },
    });
    await kept.start();
    try {
      await producer.send({ topic, messages: [{ key: 'k', value: 'first' }] });
      await waitFor('the crash', () => (crashes === 1 ? true : undefined), { timeoutMs: 30_000 });
      const crashed = kept.current;
      await producer.send({ topic, messages: [{ key: 'k', value: 'second' }] });
      // The replacement reads from the group's committed position: nothing was committed for the
      // message it refused, so that one comes again.
      await waitFor(
        'both consumed by the replacement',
        () => (seen.includes('first') && seen.includes('second') ? true : undefined),
        {
          timeoutMs: 60_000,
        },
      );
      expect(kept.restarts()).toBe(1);
      expect(kept.current).not.toBe(crashed);
      expect(kept.isRunning()).toBe(true);
    } finally {
      await kept.stop();
    }
  });
});
