import { topicName } from '@billing/contracts/topics';
import { createKafka } from '@billing/platform/kafka';
import { createLogger } from '@billing/platform/logger';
import { adminSecurity, serviceKafkaEnv, testEnv } from '@billing/testing/env';
import { createTopics, uniqueTopicPrefix } from '@billing/testing/infra';
import { TopicProbe } from '@billing/testing/kafka-probe';
import { waitFor } from '@billing/testing/wait';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { createGateway } from '../server';

/**
 * What the gateway tells a client when the broker does not take a command is true. Here the commands
 * topic is missing (deleted after start-up), so the producer keeps retrying: the client gets a bounded
 * 503 saying the command may still land, and it does land once the topic is back.
 */
const env = testEnv();
const prefix = uniqueTopicPrefix('sendtimeout');
const ADMIN = 'admin-key-send-timeout-01';
const commands = topicName('accountCommands', prefix);
let app: NestFastifyApplication;
let url: string;
let probe: TopicProbe | null = null;

function kafkaAdmin() {
  return createKafka(
    {
      brokers: env.kafkaBrokers,
      clientId: 'send-timeout-admin',
      topicPrefix: prefix,
      security: adminSecurity(),
    },
    pino({ level: 'silent' }),
  ).admin();
}

beforeAll(async () => {
  await createTopics(env.kafkaBrokers, prefix);
  app = await createGateway(
    loadConfig({
      ...serviceKafkaEnv('command-gateway'),
      KAFKA_TOPIC_PREFIX: prefix,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      QUERY_TIMEOUT_MS: '500',
      COMMAND_SEND_TIMEOUT_MS: '1000',
      COMMAND_SENDS_IN_FLIGHT_MAX: '1',
      ACCOUNT_CONFIRM_WAIT_MS: '1000',
      API_KEYS: JSON.stringify([{ key: ADMIN, role: 'admin' }]),
    }),
    createLogger('command-gateway', 'silent'),
  );
  await app.listen(0, '127.0.0.1');
  url = await app.getUrl();
  await waitFor('gateway ready', async () =>
    (await fetch(`${url}/health/ready`)).status === 200 ? true : undefined,
  );
  const admin = kafkaAdmin();
  await admin.connect();
  await admin.deleteTopics({ topics: [commands] });
  await waitFor('topic gone', async () => ((await admin.listTopics()).includes(commands) ? undefined : true));
  await admin.disconnect();
});

afterAll(async () => {
  await probe?.stop();
  await app?.close();
});

function openAccount(ownerId: string) {
  return fetch(`${url}/api/v1/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': ADMIN },
    body: JSON.stringify({ ownerId, ownerType: 'user', currency: 'USD', type: 'USER' }),
  });
}

describe('a bounded, honest send', () => {
  it('answers 503 COMMAND.NOT_CONFIRMED in bounded time, refuses more sends at once, and the first lands later', async () => {
    const started = Date.now();
    const first = await openAccount('late-owner');
    expect(first.status).toBe(503);
    const problem = (await first.json()) as { code: string; detail: string };
    expect(problem.code).toBe('COMMAND.NOT_CONFIRMED');
    expect(problem.detail).toMatch(/may still be accepted/);
    expect(Date.now() - started).toBeLessThan(10_000);

    // The first send is still waiting for the broker: with one send allowed in flight, this one is
    // refused at once, and nothing of it is emitted.
    const second = await openAccount('refused-owner');
    expect(second.status).toBe(503);
    expect(((await second.json()) as { code: string }).code).toBe('SERVICE.UNAVAILABLE');

    await createTopics(env.kafkaBrokers, prefix);
    probe = new TopicProbe(env.kafkaBrokers, [commands]);
    await probe.start();
    await waitFor(
      'the unconfirmed command landed',
      () =>
        probe!
          .parsed<{ type: string; data: { ownerId?: string } }>(commands)
          .find((m) => m.type === 'OpenAccount' && m.data.ownerId === 'late-owner'),
      { timeoutMs: 60_000 },
    );
    expect(
      probe.parsed<{ data: { ownerId?: string } }>(commands).some((m) => m.data.ownerId === 'refused-owner'),
    ).toBe(false);
  });
});
