import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { instrumentHttp } from './http-metrics';
import { currentCorrelationId } from './log-context';
import { createLogger } from './logger';

describe('HTTP metrics', () => {
  it('serves /metrics and labels durations by route template and status, unmatched paths as one', async () => {
    const app = Fastify();
    instrumentHttp(app);
    app.get('/things/:id', async () => ({ ok: true }));
    await app.inject({ method: 'GET', url: '/things/0b8f2c7e-1111-4c3b-9d7e-2a6d1f1f0001' });
    await app.inject({ method: 'GET', url: '/things/0b8f2c7e-1111-4c3b-9d7e-2a6d1f1f0002' });
    await app.inject({ method: 'GET', url: '/no/such/path/123' });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain(
      'http_request_duration_seconds_count{method="GET",route="/things/:id",status="200"} 2',
    );
    expect(res.body).toContain(
      'http_request_duration_seconds_count{method="GET",route="unmatched",status="404"} 1',
    );
    expect(res.body).not.toContain('0b8f2c7e');
    expect(res.body).toContain('process_cpu_user_seconds_total');
    expect(res.body).toContain('nodejs_eventloop_lag_seconds');
    await app.close();
  });
});

describe('request context', () => {
  function app() {
    const lines: string[] = [];
    const logger = createLogger('test', 'info', { write: (line: string) => void lines.push(line) });
    const fastify = Fastify();
    instrumentHttp(fastify, { traceRequests: true });
    fastify.post('/things', async (request) => {
      // After the body was parsed (in a stream event) and after an await: still the request's scope.
      await new Promise((resolve) => setTimeout(resolve, 1));
      logger.info({ body: request.body }, 'handling');
      return { correlationId: currentCorrelationId() };
    });
    fastify.addHook('onResponse', (_request, _reply, done) => {
      logger.info('answered');
      done();
    });
    return { fastify, logged: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
  }

  it('gives a request a correlation id and a traceresponse with tracing off, and its log lines both', async () => {
    const { fastify, logged } = app();
    const res = await fastify.inject({ method: 'POST', url: '/things', payload: { a: 1 } });
    const correlationId = res.headers['x-correlation-id'] as string;
    expect(correlationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(res.json()).toEqual({ correlationId });
    const [, traceId, spanId] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-00$/.exec(
      res.headers.traceresponse as string,
    )!;
    expect(logged()).toEqual([
      expect.objectContaining({ msg: 'handling', correlationId, traceId, spanId }),
      expect.objectContaining({ msg: 'answered', correlationId, traceId, spanId }),
    ]);
    await fastify.close();
  });

  it("honours the caller's correlation id and trace id", async () => {
    const { fastify, logged } = app();
    const correlationId = '0192f0a0-0000-7000-8000-0000000000c0';
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await fastify.inject({
      method: 'POST',
      url: '/things',
      payload: {},
      headers: { 'x-correlation-id': correlationId, traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(res.headers['x-correlation-id']).toBe(correlationId);
    expect(res.headers.traceresponse).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-00$`));
    expect(logged()[0]).toMatchObject({ correlationId, traceId });
    await fastify.close();
  });
});
