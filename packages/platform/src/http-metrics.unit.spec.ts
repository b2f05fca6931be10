import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { instrumentHttp } from './http-metrics';

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
