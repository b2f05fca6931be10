import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleServer, type RunningConsole } from './console-server';

/**
 * The console server on real sockets: files and the app's fallback page, and /api forwarded to an HTTP
 * server standing in for the gateway (the console's only peer), including a stream that must arrive
 * frame by frame, and a 502 problem when the gateway is gone.
 */
let upstream: http.Server;
let upstreamUrl: string;
let running: RunningConsole;
const seenHeaders: http.IncomingHttpHeaders[] = [];
let releaseSecondFrame: () => void = () => undefined;
let options: Parameters<typeof startConsoleServer>[0];

beforeAll(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'console-static-'));
  await mkdir(path.join(dir, 'assets'));
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>console</title>');
  await writeFile(path.join(dir, 'assets', 'app.js'), 'console.log(1)');
  upstream = http.createServer((req, res) => {
    seenHeaders.push(req.headers);
    if (req.url?.startsWith('/api/v1/events/stream')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      releaseSecondFrame = () => res.end('data: second\n\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ path: req.url, method: req.method }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  options = { port: 0, host: '127.0.0.1', gatewayUrl: upstreamUrl, gatewayTimeoutMs: 5_000, staticDir: dir };
  running = await startConsoleServer(options);
});

afterAll(async () => {
  await running?.close();
  upstream?.closeAllConnections();
  await new Promise<void>((resolve) => upstream?.close(() => resolve()));
});

describe('the console server', () => {
  it('serves the built files, and the app page for any other path', async () => {
    const asset = await fetch(`${running.url}/assets/app.js`);
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(await asset.text()).toBe('console.log(1)');
    const page = await fetch(`${running.url}/accounts/../../etc/passwd`);
    expect(await page.text()).toContain('<title>console</title>');
    expect((await fetch(`${running.url}/health/ready`)).status).toBe(200);
  });

  it('forwards /api with the credential and the API headers only', async () => {
    const res = await fetch(`${running.url}/api/v1/accounts?ownerId=alice`, {
      headers: { 'x-api-key': 'k-1', 'idempotency-key': 'i-1', cookie: 'session=secret' },
    });
    expect(await res.json()).toEqual({ path: '/api/v1/accounts?ownerId=alice', method: 'GET' });
    const headers = seenHeaders.at(-1)!;
    expect(headers['x-api-key']).toBe('k-1');
    expect(headers['idempotency-key']).toBe('i-1');
    expect(headers.cookie).toBeUndefined();
  });

  it('passes an event stream on frame by frame', async () => {
    const res = await fetch(`${running.url}/api/v1/events/stream?accountId=x`);
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toBe('data: first\n\n');
    releaseSecondFrame();
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      rest += new TextDecoder().decode(chunk.value);
    expect(rest).toBe('data: second\n\n');
  });

  it('answers 502 GATEWAY.UNREACHABLE as problem+json when the gateway is gone', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const orphan = await startConsoleServer({ ...options, gatewayUrl: `http://127.0.0.1:${port}` });
    try {
      const res = await fetch(`${orphan.url}/api/v1/me`);
      expect(res.status).toBe(502);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.json()).toMatchObject({ status: 502, code: 'GATEWAY.UNREACHABLE' });
    } finally {
      await orphan.close();
    }
  });

  it('refuses to start without the built app', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'console-empty-'));
    await expect(startConsoleServer({ ...options, staticDir: empty })).rejects.toThrow();
  });
});
