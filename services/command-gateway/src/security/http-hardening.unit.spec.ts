import { createLogger } from '@billing/platform/logger';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { PREFER_WAIT_MAX_SECONDS } from '../http/prefer';
import { frameworkErrorHandler, installHardening, securityHeaders, serverTimeouts } from './http-hardening';

const BUDGET_MS = 100;
const server = Fastify({ logger: false });
installHardening(server, { production: false, requestTimeoutMs: BUDGET_MS }, createLogger('test', 'silent'));
server.get('/api/v1/slow', async (request) => {
  await new Promise((r) => setTimeout(r, Number((request.query as { ms: string }).ms)));
  return { done: true };
});

afterAll(() => server.close());

describe('security headers', () => {
  it('forbid everything to API answers and keep them out of caches', () => {
    expect(securityHeaders('/api/v1/accounts', false)).toEqual({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      'cache-control': 'no-store',
    });
  });

  it('let Swagger UI load its own scripts and styles under /api/docs only', () => {
    expect(securityHeaders('/api/docs', false)['content-security-policy']).toBe(
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    );
    expect(securityHeaders('/api/docs/swagger-ui.css', false)['content-security-policy']).toContain(
      "default-src 'self'",
    );
    expect(securityHeaders('/api/docsx', false)['content-security-policy']).toContain("default-src 'none'");
  });

  it('ask for HTTPS only in production', () => {
    expect(securityHeaders('/health/live', false)).not.toHaveProperty('strict-transport-security');
    expect(securityHeaders('/health/live', true)['strict-transport-security']).toMatch(/^max-age=\d+/);
  });
});

describe('the request deadline', () => {
  it('answers 503 problem+json when a handler takes longer than the budget', async () => {
    const res = await server.inject({ url: `/api/v1/slow?ms=${BUDGET_MS * 4}` });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'SERVICE.UNAVAILABLE' });
  });

  it('adds the wait a client asked for with Prefer: wait on top of the budget', async () => {
    const res = await server.inject({
      url: `/api/v1/slow?ms=${BUDGET_MS * 4}`,
      headers: { prefer: 'wait=1' },
    });
    expect(res.statusCode).toBe(200);
  });

  it('keeps sockets open longer than the longest deadline, so requests time out with an answer', () => {
    const timeouts = serverTimeouts(20_000);
    expect(timeouts.connectionTimeout).toBeGreaterThan(20_000 + PREFER_WAIT_MAX_SECONDS * 1000);
  });
});

describe('paths the router refuses before any route runs (found by the fuzzer)', () => {
  const routed = Fastify({ logger: false, frameworkErrors: frameworkErrorHandler(false) });
  routed.get('/api/v1/accounts/:id', async () => ({ found: true }));
  afterAll(() => routed.close());

  it.each([
    ['invalid percent-encoding', '/api/v1/accounts/%zz'],
    ['percent-encoding that is not UTF-8', '/api/v1/accounts/%ff'],
    ['a segment longer than any id', `/api/v1/accounts/${'a'.repeat(5000)}`],
  ])('answers %s as an unknown route: 404 problem+json with the security headers', async (_what, url) => {
    const res = await routed.inject({ url });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.json()).toMatchObject({ status: 404, code: 'ROUTE.NOT_FOUND' });
  });
});
