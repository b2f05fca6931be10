import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/**
 * Serves the built single-page app and forwards /api/ (the API and its docs) to the gateway, so the
 * browser talks to one origin: no CORS set-up on the gateway, and the same page works behind any
 * gateway address. It forwards bytes as they come, so the event stream (SSE) stays live, and adds
 * nothing: the credential the browser sends is the only one the gateway sees.
 */

export interface ConsoleServerOptions {
  port: number;
  host: string;
  gatewayUrl: string;
  gatewayTimeoutMs: number;
  staticDir: string;
}

export interface RunningConsole {
  url: string;
  close(): Promise<void>;
}

const MEDIA_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/** The only request headers passed on: what the gateway's API reads. Cookies and the like stay here. */
const FORWARDED_HEADERS = [
  'accept',
  'authorization',
  'content-type',
  'content-length',
  'idempotency-key',
  'prefer',
  'x-api-key',
  'last-event-id',
];

/** The built files, listed once at start: a request names one of them or gets index.html (the app routes). */
async function listFiles(dir: string, prefix = ''): Promise<Set<string>> {
  const files = new Set<string>();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const name = `${prefix}/${entry.name}`;
    if (entry.isDirectory()) for (const f of await listFiles(path.join(dir, entry.name), name)) files.add(f);
    else files.add(name);
  }
  return files;
}

function problem(res: ServerResponse, status: number, code: string, detail: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/problem+json' });
  res.end(JSON.stringify({ type: 'about:blank', title: detail, status, code, detail }));
}

function forward(req: IncomingMessage, res: ServerResponse, options: ConsoleServerOptions): void {
  const target = new URL(req.url ?? '/', options.gatewayUrl);
  const headers: Record<string, string | string[]> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = req.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  const upstream = http.request(target, { method: req.method, headers }, (answer) => {
    clearTimeout(timer);
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  const timer = setTimeout(() => {
    upstream.destroy();
    problem(res, 504, 'GATEWAY.TIMEOUT', `the gateway did not answer within ${options.gatewayTimeoutMs} ms`);
  }, options.gatewayTimeoutMs);
  upstream.on('error', () => {
    clearTimeout(timer);
    problem(res, 502, 'GATEWAY.UNREACHABLE', 'the gateway cannot be reached');
  });
  // A browser that leaves (a closed tab, an aborted stream) ends the gateway request too.
  res.on('close', () => upstream.destroy());
  req.pipe(upstream);
}

export async function startConsoleServer(options: ConsoleServerOptions): Promise<RunningConsole> {
  const files = await listFiles(options.staticDir);
  const index = path.join(options.staticDir, 'index.html');
  await stat(index);
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://console').pathname;
    if (pathname.startsWith('/api/')) {
      forward(req, res, options);
      return;
    }
    // The console's own probes: it is up and ready once it serves its files, whatever the gateway does.
    if (pathname === '/health/live' || pathname === '/health/ready') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      problem(res, 405, 'REQUEST.METHOD_NOT_ALLOWED', 'the console serves files only');
      return;
    }
    const file = files.has(pathname) ? path.join(options.staticDir, pathname) : index;
    const type = MEDIA_TYPES[path.extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, {
      'content-type': type,
      // Vite names assets by content hash, so they may be cached; the page itself must not be.
      'cache-control': pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
      'content-security-policy':
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
