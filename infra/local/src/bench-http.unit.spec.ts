import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BenchHttp } from './bench-http';

describe('the bench HTTP client', () => {
  let server: http.Server;
  let base: string;
  const seen: { method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  const sockets = new Set<unknown>();

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      sockets.add(req.socket);
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        if (req.url === '/text') {
          res.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway');
          return;
        }
        const status = req.url === '/problem' ? 409 : 200;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ echo: body === '' ? null : JSON.parse(body), url: req.url }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('posts JSON with its own and the call headers, and parses the JSON answer', async () => {
    const client = new BenchHttp(base, { 'x-api-key': 'k1' });
    const answer = await client.request('POST', '/api/v1/x', { amount: '1.00' }, { 'idempotency-key': 'i1' });
    client.close();
    expect(answer).toEqual({ status: 200, body: { echo: { amount: '1.00' }, url: '/api/v1/x' } });
    const req = seen.at(-1)!;
    expect(req.method).toBe('POST');
    expect(req.headers['x-api-key']).toBe('k1');
    expect(req.headers['idempotency-key']).toBe('i1');
    expect(req.headers['content-type']).toBe('application/json');
  });

  it('answers a problem status as an outcome, not a failure', async () => {
    const client = new BenchHttp(base, {});
    const answer = await client.request('GET', '/problem');
    client.close();
    expect(answer.status).toBe(409);
  });

  it('rejects an answer that is no JSON object', async () => {
    const client = new BenchHttp(base, {});
    await expect(client.request('GET', '/text')).rejects.toThrow(/502 without a JSON object/);
    client.close();
  });

  it('keeps sockets open between sequential calls', async () => {
    const client = new BenchHttp(base, {});
    sockets.clear();
    for (let i = 0; i < 5; i++) await client.request('GET', `/seq/${i}`);
    client.close();
    expect(sockets.size).toBe(1);
  });

  it('rejects when nothing listens', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const client = new BenchHttp(`http://127.0.0.1:${port}`, {});
    await expect(client.request('GET', '/')).rejects.toThrow(/ECONNREFUSED/);
    client.close();
  });
});
