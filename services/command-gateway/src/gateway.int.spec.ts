import { createMessage } from '@billing/contracts/catalog';
import { HybridLogicalClock } from '@billing/contracts/hlc';
import { AccountOpened } from '@billing/contracts/messages/accounts';
import { topicName } from '@billing/contracts/topics';
import { createLogger } from '@billing/platform/logger';
import { serviceKafkaEnv, testEnv } from '@billing/testing/env';
import { createTopics, uniqueTopicPrefix } from '@billing/testing/infra';
import { connectProducer, TopicProbe } from '@billing/testing/kafka-probe';
import { waitFor } from '@billing/testing/wait';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config';
import { createGateway } from './server';

const env = testEnv();
const prefix = uniqueTopicPrefix('gateway');
const hlc = new HybridLogicalClock('test');
const topic = (id: Parameters<typeof topicName>[0]) => topicName(id, prefix);
let app: NestFastifyApplication;
let url: string;
let producer: Producer;
let probe: TopicProbe;

const OWNER_KEY = 'owner-key-alice-0001';

beforeAll(async () => {
  await createTopics(env.kafkaBrokers, prefix);
  const config = loadConfig({
    ...serviceKafkaEnv('command-gateway'),
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    QUERY_TIMEOUT_MS: '500',
    ACCOUNT_CONFIRM_WAIT_MS: '10000',
    API_KEYS: JSON.stringify([
      { key: 'admin-key-000000000001', role: 'admin' },
      { key: OWNER_KEY, role: 'owner', ownerId: 'alice' },
    ]),
  });
  app = await createGateway(config, createLogger('command-gateway', 'silent'));
  await app.listen(0, '127.0.0.1');
  url = await app.getUrl();
  producer = await connectProducer(env.kafkaBrokers);
  probe = new TopicProbe(env.kafkaBrokers, [topic('accountCommands'), topic('transactionCommands')]);
  await probe.start();
  await waitFor('gateway ready', async () =>
    (await fetch(`${url}/health/ready`)).status === 200 ? true : undefined,
  );
});

afterAll(async () => {
  await probe?.stop();
  await producer?.disconnect();
  await app?.close();
});

function post(path: string, body: unknown, key = OWNER_KEY) {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify(body),
  });
}

describe('command-gateway against a real broker, with the test playing the ledger', () => {
  it('emits OpenAccount carrying the actor, and answers 201 once the ledger announces the account', async () => {
    const pending = post('/api/v1/accounts', {
      ownerId: 'alice',
      ownerType: 'user',
      currency: 'EUR',
      type: 'USER',
    });
    const command = await waitFor('OpenAccount on the topic', () =>
      probe
        .parsed<{ type: string; actor: unknown; data: { accountId: string; ownerId: string } }>(
          topic('accountCommands'),
        )
        .find((m) => m.data.ownerId === 'alice'),
    );
    expect(command.actor).toEqual({ kind: 'owner', id: 'alice' });
    const opened = createMessage(
      AccountOpened,
      {
        ...command.data,
        ownerType: 'user',
        type: 'USER',
        currency: 'EUR',
        status: 'active',
        balance: '0.00',
        metadata: {},
        streamVersion: 1,
        openedAt: new Date().toISOString(),
      },
      { actor: { kind: 'system', id: 'ledger' }, hlc: hlc.now(), causedBy: null, nowMs: Date.now() },
    );
    await producer.send({
      topic: topic('ledgerEvents'),
      messages: [{ key: command.data.accountId, value: JSON.stringify(opened) }],
    });
    const res = await pending;
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/api/v1/accounts/${command.data.accountId}`);
    expect(await res.json()).toMatchObject({
      id: command.data.accountId,
      balance: '0.00',
      currency: 'EUR',
      status: 'active',
    });
  });

  it('refuses an owner opening an account for someone else with 403, and emits nothing', async () => {
    const res = await post('/api/v1/accounts', {
      ownerId: 'bob',
      ownerType: 'user',
      currency: 'USD',
      type: 'USER',
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe('AUTH.FORBIDDEN');
    expect(
      probe
        .parsed<{ data: { ownerId: string } }>(topic('accountCommands'))
        .some((m) => m.data.ownerId === 'bob'),
    ).toBe(false);
  });

  it('refuses an owner naming the source of a top-up with 403 before asking anyone, and emits nothing', async () => {
    // No read side runs here: the refusal comes from the request alone.
    const res = await post('/api/v1/transactions/topup', {
      idempotencyKey: 'owner-topup-0001',
      sourceAccountId: '0192f0a0-0000-7000-8000-000000000001',
      destinationAccountId: '0192f0a0-0000-7000-8000-000000000002',
      amount: '10.00',
      currency: 'USD',
    });
    expect(res.status).toBe(403);
    const problem = (await res.json()) as { code: string; detail: string };
    expect(problem.code).toBe('AUTH.FORBIDDEN');
    expect(problem.detail).toMatch(/may not name the account a top-up comes from: send funding/);
  });

  it('refuses an owner top-up without funding with 400 naming the field', async () => {
    const res = await post('/api/v1/transactions/topup', {
      idempotencyKey: 'owner-topup-0002',
      destinationAccountId: '0192f0a0-0000-7000-8000-000000000002',
      amount: '10.00',
      currency: 'USD',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { field: string }[] }).errors).toEqual([
      expect.objectContaining({ field: 'funding' }),
    ]);
  });

  it('refuses an unknown key with 401', async () => {
    const res = await post('/api/v1/accounts', {}, 'not-a-configured-key');
    expect(res.status).toBe(401);
  });

  it('answers 503 QUERY.TIMEOUT when the read side does not answer', async () => {
    const res = await fetch(`${url}/api/v1/accounts/0192f0a0-0000-7000-8000-000000000002`, {
      headers: { 'x-api-key': OWNER_KEY },
    });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { code: string }).code).toBe('QUERY.TIMEOUT');
  });

  it('answers 404 ROUTE.NOT_FOUND as problem+json for an unknown route', async () => {
    const res = await fetch(`${url}/api/v1/nothing-here`, { headers: { 'x-api-key': OWNER_KEY } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(((await res.json()) as { code: string }).code).toBe('ROUTE.NOT_FOUND');
  });

  it('refuses a body over the size limit with 413', async () => {
    const res = await post('/api/v1/accounts', {
      ownerId: 'alice',
      ownerType: 'user',
      currency: 'USD',
      type: 'USER',
      metadata: { big: 'x'.repeat(70_000) },
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { code: string }).code).toBe('REQUEST.TOO_LARGE');
  });

  it('emitted no transaction command for any refused request', () => {
    expect(probe.parsed(topic('transactionCommands'))).toHaveLength(0);
  });
});
