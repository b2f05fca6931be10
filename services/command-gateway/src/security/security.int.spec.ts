import type { QueryRequest } from '@billing/contracts/messages/queries';
import { uuidv7 } from '@billing/contracts/uuid';
import { createLogger } from '@billing/platform/logger';
import { serviceKafkaEnv, testEnv } from '@billing/testing/env';
import { createTopics, uniqueTopicPrefix } from '@billing/testing/infra';
import { waitFor } from '@billing/testing/wait';
import type { ServerKafka } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestIssuer } from '../auth/test-issuer.spec';
import { loadConfig } from '../config';
import { captureLogs, startFakeReadSide } from '../gateway-harness.spec';
import { DEV_ADMIN_KEY } from '../auth/api-keys';
import { createGateway } from '../server';
import { createGatewaySecurity } from './gateway-security';

/**
 * Authentication, rate limiting, deadlines, CORS, security headers and log hygiene of the running
 * gateway, against a real broker with the test playing the read side and a JWT issuer's JWKS endpoint.
 */
const env = testEnv();
const prefix = uniqueTopicPrefix('gateway-sec');
const KEYS = {
  owner: 'owner-key-alice-0001',
  limited: 'owner-key-limited-01',
  admin: 'admin-key-000000000001',
};
const SLOW_ACCOUNT = uuidv7();
const READ_SIDE_DELAY_MS = 2000;
let issuer: TestIssuer;
let app: NestFastifyApplication;
let url: string;
let readSide: ServerKafka;
let logs: () => string;
const asked: QueryRequest[] = [];

async function answer(q: QueryRequest): Promise<unknown> {
  asked.push(q);
  if (q.type === 'ListAccounts') return { ok: true, data: { items: [], nextCursor: null } };
  if (q.type === 'ListCurrencies') return { ok: true, data: { currencies: [] } };
  if (q.type === 'GetAccount' && q.accountId === SLOW_ACCOUNT) {
    await new Promise((r) => setTimeout(r, READ_SIDE_DELAY_MS));
  }
  return { ok: false, code: 'ACCOUNT.NOT_FOUND', detail: 'not found' };
}

beforeAll(async () => {
  issuer = await TestIssuer.start();
  await createTopics(env.kafkaBrokers, prefix);
  readSide = await startFakeReadSide(env.kafkaBrokers, prefix, answer);
  const config = loadConfig({
    ...serviceKafkaEnv('command-gateway'),
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    QUERY_TIMEOUT_MS: '5000',
    REQUEST_TIMEOUT_MS: '1000',
    API_KEYS: JSON.stringify([
      { key: KEYS.admin, role: 'admin' },
      { key: KEYS.owner, role: 'owner', ownerId: 'alice' },
      { key: KEYS.limited, role: 'owner', ownerId: 'limited' },
    ]),
    JWT_HS256_SECRET: issuer.hs256Secret,
    JWT_JWKS_URL: issuer.jwksUrl,
    JWT_ISSUER: issuer.issuer,
    JWT_AUDIENCE: issuer.audience,
    JWT_ADMIN_SUBJECTS: 'root-admin',
    RATE_LIMIT_PER_SECOND: '2',
    RATE_LIMIT_BURST: '20',
    CORS_ORIGINS: 'https://app.example',
  });
  const logger = createLogger('command-gateway', 'debug');
  logs = captureLogs(logger);
  app = await createGateway(config, logger);
  await app.listen(0, '127.0.0.1');
  url = await app.getUrl();
  await waitFor('gateway ready', async () =>
    (await fetch(`${url}/health/ready`)).status === 200 ? true : undefined,
  );
  await waitFor(
    'the read side answering',
    async () =>
      (await get('/api/v1/currencies', { 'x-api-key': KEYS.admin })).status === 200 ? true : undefined,
    { timeoutMs: 30_000, intervalMs: 500 },
  );
});

afterAll(async () => {
  await app?.close();
  await readSide?.close();
  issuer?.close();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${url}${path}`, { headers });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const codeOf = async (res: Response) => ((await res.json()) as { code: string }).code;

describe('bearer JWTs', () => {
  it('accepts an HS256 token and acts as the owner its subject names', async () => {
    const res = await get('/api/v1/accounts', bearer(await issuer.token({ sub: 'jwt-alice' })));
    expect(res.status).toBe(200);
    expect(asked.at(-1)).toMatchObject({
      type: 'ListAccounts',
      actor: { kind: 'owner', id: 'jwt-alice' },
      ownerId: 'jwt-alice',
    });
  });

  it('trusts a role claim only from a subject listed in JWT_ADMIN_SUBJECTS', async () => {
    await get('/api/v1/accounts?ownerId=bob', bearer(await issuer.token({ sub: 'mallory', role: 'admin' })));
    expect(asked.at(-1)?.actor).toEqual({ kind: 'owner', id: 'mallory' });
    await get(
      '/api/v1/accounts?ownerId=bob',
      bearer(await issuer.token({ sub: 'root-admin', role: 'admin' })),
    );
    expect(asked.at(-1)?.actor).toEqual({ kind: 'admin', id: 'root-admin' });
  });

  it.each([
    ['expired', { expiresAt: Math.floor(Date.now() / 1000) - 60 }],
    ['with a wrong signature', { signer: 'wrong-secret' }],
    ['for another audience', { audience: 'another-api' }],
  ] as const)('answers 401 AUTH.UNAUTHENTICATED to a token %s', async (_, options) => {
    const res = await get('/api/v1/accounts', bearer(await issuer.token(options)));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(await codeOf(res)).toBe('AUTH.UNAUTHENTICATED');
  });

  it.each(['ES256', 'RS256'] as const)('accepts a %s token signed with a key from the JWKS', async (alg) => {
    const token = await issuer.token({ sub: `jwks-${alg}`, signer: alg === 'ES256' ? 'es256' : 'rs256' });
    expect((await get('/api/v1/accounts', bearer(token))).status).toBe(200);
    expect(asked.at(-1)?.actor).toEqual({ kind: 'owner', id: `jwks-${alg}` });
  });

  it('refuses a token signed with a key the JWKS does not hold', async () => {
    const token = await issuer.token({ signer: 'stranger' });
    expect((await get('/api/v1/accounts', bearer(token))).status).toBe(401);
  });

  it('requires a credential on a percent-encoded API path too', async () => {
    const res = await get('/api/%761/accounts');
    expect(res.status).toBe(401);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('still accepts API keys sent as bearer tokens', async () => {
    expect((await get('/api/v1/accounts', bearer(KEYS.owner))).status).toBe(200);
    expect(asked.at(-1)?.actor).toEqual({ kind: 'owner', id: 'alice' });
  });
});

describe('rate limiting', () => {
  it('answers 429 RATE.LIMITED with Retry-After once a caller spends its burst', async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => get('/api/v1/accounts', { 'x-api-key': KEYS.limited })),
    );
    const statuses = answers.map((r) => r.status);
    // The burst is 20; a couple more may get in as the bucket refills while the requests arrive.
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(20);
    expect(statuses.filter((s) => s === 200).length).toBeLessThan(30);
    const limited = answers.find((r) => r.status === 429);
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited!.headers.get('content-type')).toContain('application/problem+json');
    expect(await codeOf(limited!)).toBe('RATE.LIMITED');
    // Another caller is not affected.
    expect((await get('/api/v1/accounts', { 'x-api-key': KEYS.owner })).status).toBe(200);
  });

  it('never limits the health routes', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 40 }, () => get('/health/live').then((r) => r.status)),
    );
    expect(new Set(statuses)).toEqual(new Set([200]));
  });
});

describe('request deadline', () => {
  it('answers 503 problem+json when a request outlives REQUEST_TIMEOUT_MS', async () => {
    const started = Date.now();
    const res = await get(`/api/v1/accounts/${SLOW_ACCOUNT}`, { 'x-api-key': KEYS.admin });
    expect(res.status).toBe(503);
    expect(await codeOf(res)).toBe('SERVICE.UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(READ_SIDE_DELAY_MS);
  });

  it('gives a request with Prefer: wait that much longer', async () => {
    const res = await get(`/api/v1/accounts/${SLOW_ACCOUNT}`, { 'x-api-key': KEYS.admin, prefer: 'wait=3' });
    expect(res.status).toBe(404);
  });
});

describe('CORS and security headers', () => {
  const preflight = (origin: string) =>
    fetch(`${url}/api/v1/accounts`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });

  it('answers a preflight from an allowed origin with the CORS headers', async () => {
    const res = await preflight('https://app.example');
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(res.headers.get('access-control-allow-methods')).toContain('GET');
    expect(res.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(res.headers.get('vary')).toContain('Origin');
  });

  it('gives a disallowed origin no CORS header at all', async () => {
    const res = await preflight('https://evil.example');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-methods')).toBeNull();
    const simple = await get('/api/v1/accounts', { origin: 'https://evil.example', 'x-api-key': KEYS.owner });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
  });

  it.each([
    ['a health answer', '/health/live', {}],
    ['an API answer', '/api/v1/accounts', { 'x-api-key': KEYS.owner }],
    ['a refusal', '/api/v1/accounts', {}],
    ['an unknown route', '/api/v1/nothing-here', { 'x-api-key': KEYS.owner }],
  ])('puts the security headers on %s', async (_, path, headers) => {
    const res = await get(path, headers);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers.get('strict-transport-security')).toBeNull();
    if (path.startsWith('/api/v1/')) expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('relaxes the content security policy for the API docs only', async () => {
    const res = await get('/api/docs');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("style-src 'self' 'unsafe-inline'");
  });
});

describe('logs', () => {
  it('never contain the credentials requests carried', async () => {
    const token = await issuer.token({ sub: 'log-check' });
    await get('/api/v1/accounts', { 'x-api-key': KEYS.owner });
    await get('/api/v1/accounts', bearer(KEYS.owner));
    await get('/api/v1/accounts', bearer(token));
    await get('/api/v1/accounts', { 'x-api-key': 'a-wrong-key-00000001' });
    const text = logs();
    expect(text).toContain('"msg":"request"');
    expect(text).toContain('"actor":"owner:log-check"');
    for (const secret of [KEYS.owner, token, 'a-wrong-key-00000001', issuer.hs256Secret])
      expect(text).not.toContain(secret);
  });
});

describe('start-up without credentials', () => {
  const withoutKeys = (extra: Record<string, string> = {}) =>
    // Credentials are checked before the gateway connects to anything.
    loadConfig({ KAFKA_TOPIC_PREFIX: prefix, ...extra });

  it.each([
    ['NODE_ENV unset', {}],
    ['NODE_ENV=production', { NODE_ENV: 'production' }],
    ['NODE_ENV=test', { NODE_ENV: 'test' }],
  ])('refuses to start with %s, saying what to configure', async (_, extra) => {
    await expect(
      createGateway(withoutKeys(extra), createLogger('command-gateway', 'silent')),
    ).rejects.toThrow(/no credentials configured: set API_KEYS .* GATEWAY_DEV_MODE=true/);
  });

  it.each([
    ['GATEWAY_DEV_MODE=true', { GATEWAY_DEV_MODE: 'true' }],
    ['an explicit NODE_ENV=development', { NODE_ENV: 'development' }],
  ])('accepts the development admin key with %s, and warns about it', async (_, extra) => {
    const logger = createLogger('command-gateway', 'warn');
    const logged = captureLogs(logger);
    const security = await createGatewaySecurity(withoutKeys(extra), logger);
    const auth = await security.authenticator.authenticate({ 'x-api-key': DEV_ADMIN_KEY });
    expect(auth).toMatchObject({ ok: true, actor: { kind: 'admin' } });
    expect(logged()).toContain('development mode without API_KEYS');
  });

  it('does not accept the development key where keys are configured', async () => {
    expect((await get('/api/v1/accounts', { 'x-api-key': DEV_ADMIN_KEY })).status).toBe(401);
  });
});
