import type { QueryRequest } from '@billing/contracts/messages/queries';
import { topicName } from '@billing/contracts/topics';
import { createLogger } from '@billing/platform/logger';
import { serviceKafkaEnv, testEnv } from '@billing/testing/env';
import { createTopics, uniqueTopicPrefix } from '@billing/testing/infra';
import { waitFor } from '@billing/testing/wait';
import { ServerKafka } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { logLevel, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { createGateway } from '../server';

/**
 * The read routes against a real broker, with the test playing projection-query: it records what the
 * gateway asks and answers as the read side would, so the gateway's part (parsing, the actor, mapping
 * codes to statuses) is checked on its own. The read side itself is tested in projection-query.
 */
const env = testEnv();
const prefix = uniqueTopicPrefix('gateway-read');
const ADMIN_KEY = 'admin-key-000000000001';
const OWNER_KEY = 'owner-key-alice-0001';
const UNKNOWN = '0192f0a0-0000-7000-8000-00000000dead';
let app: NestFastifyApplication;
let url: string;
let readSide: ServerKafka;
const asked: QueryRequest[] = [];

function answer(q: QueryRequest): unknown {
  const privileged = q.actor.kind !== 'owner';
  switch (q.type) {
    case 'GetTrialBalance':
      return privileged
        ? { ok: true, data: { currencies: [] } }
        : { ok: false, code: 'AUTH.FORBIDDEN', detail: 'admins only' };
    case 'ListStuckTransactions':
      return privileged
        ? { ok: true, data: { items: [], nextCursor: null, stuckAfterMs: 300000 } }
        : { ok: false, code: 'AUTH.FORBIDDEN', detail: 'admins only' };
    case 'ListTransactionsNeedingAttention':
      return privileged
        ? { ok: true, data: { items: [], nextCursor: null } }
        : { ok: false, code: 'AUTH.FORBIDDEN', detail: 'admins only' };
    case 'GetStatement':
      return { ok: false, code: 'ACCOUNT.NOT_FOUND', detail: 'account not found' };
    case 'ListAccountTransactions':
      return q.cursor === null
        ? { ok: true, data: { items: [], nextCursor: null } }
        : { ok: false, code: 'REQUEST.INVALID', detail: 'bad cursor' };
    case 'ListAccounts':
      return { ok: true, data: { items: [], nextCursor: null } };
    case 'ListCurrencies':
      return { ok: true, data: { currencies: [{ code: 'USD', scale: 2, kind: 'fiat' }] } };
    default:
      return { ok: false, code: 'ACCOUNT.NOT_FOUND', detail: 'not found' };
  }
}

beforeAll(async () => {
  await createTopics(env.kafkaBrokers, prefix);
  readSide = new ServerKafka({
    client: {
      clientId: 'fake-read-side',
      brokers: env.kafkaBrokers,
      ...env.kafkaSecurity,
      logLevel: logLevel.NOTHING,
    },
    consumer: {
      groupId: `${prefix}fake-read-side`,
      sessionTimeout: 6000,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 50,
    },
    producer: { createPartitioner: Partitioners.DefaultPartitioner },
    subscribe: { fromBeginning: false },
  });
  readSide.addHandler(
    topicName('queries', prefix),
    async (q: QueryRequest) => {
      asked.push(q);
      return answer(q);
    },
    false,
  );
  await new Promise<void>((resolve, reject) =>
    readSide.listen((err?: unknown) => (err ? reject(err) : resolve())),
  );
  const config = loadConfig({
    ...serviceKafkaEnv('command-gateway'),
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    QUERY_TIMEOUT_MS: '5000',
    API_KEYS: JSON.stringify([
      { key: ADMIN_KEY, role: 'admin' },
      { key: OWNER_KEY, role: 'owner', ownerId: 'alice' },
    ]),
  });
  app = await createGateway(config, createLogger('command-gateway', 'silent'));
  await app.listen(0, '127.0.0.1');
  url = await app.getUrl();
  await waitFor('gateway ready', async () =>
    (await fetch(`${url}/health/ready`)).status === 200 ? true : undefined,
  );
  // The reply consumer needs its partitions before the first query can be answered.
  await waitFor(
    'the read side answering',
    async () => ((await get('/api/v1/currencies', OWNER_KEY)).status === 200 ? true : undefined),
    {
      timeoutMs: 30_000,
      intervalMs: 500,
    },
  );
});

afterAll(async () => {
  await app?.close();
  await readSide?.close();
});

async function get(path: string, key = ADMIN_KEY) {
  const res = await fetch(`${url}${path}`, { headers: { 'x-api-key': key } });
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    body: (await res.json()) as Record<string, unknown>,
  };
}

describe('read routes of the gateway', () => {
  it("lists an owner's own accounts when it names no owner, asking as that owner", async () => {
    const res = await get('/api/v1/accounts?limit=5', OWNER_KEY);
    expect(res.status).toBe(200);
    expect(asked.at(-1)).toEqual({
      type: 'ListAccounts',
      actor: { kind: 'owner', id: 'alice' },
      ownerId: 'alice',
      limit: 5,
      cursor: null,
    });
  });

  it('requires an owner id from an admin', async () => {
    const res = await get('/api/v1/accounts');
    expect(res.status).toBe(400);
    expect(res.body.errors).toContainEqual(expect.objectContaining({ field: 'ownerId' }));
  });

  it.each([
    ['/api/v1/reports/trial-balance'],
    ['/api/v1/transactions?status=stuck'],
    ['/api/v1/transactions?status=needs_attention'],
  ])('refuses an owner %s with 403 problem+json, and serves an admin', async (path) => {
    const owner = await get(path, OWNER_KEY);
    expect(owner.status).toBe(403);
    expect(owner.type).toContain('application/problem+json');
    expect(owner.body.code).toBe('AUTH.FORBIDDEN');
    expect((await get(path)).status).toBe(200);
  });

  it('lists the transactions that need attention, asking the read side for them as the admin', async () => {
    const res = await get('/api/v1/transactions?status=needs_attention&limit=20');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [], nextCursor: null });
    expect(asked.at(-1)).toEqual({
      type: 'ListTransactionsNeedingAttention',
      actor: { kind: 'admin', id: expect.stringMatching(/^key-/) },
      limit: 20,
      cursor: null,
      flagged: null,
    });
  });

  it('passes the investigation filter on to the read side', async () => {
    const res = await get('/api/v1/transactions?status=stuck&flagged=true');
    expect(res.status).toBe(200);
    expect(asked.at(-1)).toMatchObject({ type: 'ListStuckTransactions', flagged: true });
    const bad = await get('/api/v1/transactions?status=stuck&flagged=yes');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('REQUEST.INVALID');
  });

  it('answers an account the read side does not show as 404', async () => {
    const res = await get(`/api/v1/accounts/${UNKNOWN}/statement`, OWNER_KEY);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('ACCOUNT.NOT_FOUND');
  });

  it('passes filters and bounds on, normalising dates to instants', async () => {
    const res = await get(
      `/api/v1/accounts/${UNKNOWN}/transactions?type=payment&status=completed&from=2026-01-01&limit=200`,
    );
    expect(res.status).toBe(200);
    expect(asked.at(-1)).toMatchObject({
      transactionType: 'payment',
      status: 'completed',
      from: '2026-01-01T00:00:00.000Z',
      to: null,
      limit: 200,
    });
  });

  it('refuses bad query strings with 400 without asking the read side', async () => {
    const before = asked.length;
    for (const path of [
      `/api/v1/accounts/${UNKNOWN}/transactions?limit=201`,
      `/api/v1/accounts/${UNKNOWN}/transactions?from=yesterday`,
      `/api/v1/accounts/${UNKNOWN}/statement?from=2026-02-01&to=2026-01-01`,
      '/api/v1/transactions?status=pending',
      '/api/v1/transactions',
      '/api/v1/currencies?x=1',
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(400);
      expect(res.type).toContain('application/problem+json');
    }
    expect(asked.length).toBe(before);
  });

  it('answers a cursor the read side refuses with 400', async () => {
    const res = await get(`/api/v1/accounts/${UNKNOWN}/transactions?cursor=abc`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('REQUEST.INVALID');
  });
});
