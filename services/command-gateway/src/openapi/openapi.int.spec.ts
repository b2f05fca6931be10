import { request as httpRequest } from 'node:http';
import { createLogger } from '@billing/platform/logger';
import { serviceKafkaEnv, testEnv } from '@billing/testing/env';
import { createTopics, uniqueTopicPrefix } from '@billing/testing/infra';
import { waitFor } from '@billing/testing/wait';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { createGateway } from '../server';
import { buildOpenApiDocument, ROUTES } from './document';

/**
 * The document against the gateway that serves it: the routes Fastify registers are exactly the
 * documented ones, the documented query parameters are the ones the routes accept, and the docs routes
 * serve the page, its assets and the document without a key. No read side answers here, so a query the
 * gateway accepts ends in 503 QUERY.TIMEOUT, and one it refuses in 400.
 */
const env = testEnv();
const prefix = uniqueTopicPrefix('gateway-openapi');
const ADMIN_KEY = 'admin-key-000000000001';
const MUTATING = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const doc = buildOpenApiDocument();
/** "METHOD /path" of every route Fastify registered, in OpenAPI's {param} form. */
const registered = new Set<string>();
let app: NestFastifyApplication;
let url: string;

beforeAll(async () => {
  await createTopics(env.kafkaBrokers, prefix);
  const config = loadConfig({
    ...serviceKafkaEnv('command-gateway'),
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    QUERY_TIMEOUT_MS: '500',
    API_KEYS: JSON.stringify([{ key: ADMIN_KEY, role: 'admin' }]),
  });
  app = await createGateway(config, createLogger('command-gateway', 'silent'));
  // Nest registers the routes when the app initialises (in listen), so a hook added now sees every one,
  // whatever plugin context it is registered in.
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) {
        if (!MUTATING.has(method)) continue;
        registered.add(`${method} ${route.url.replace(/:(\w+)/g, '{$1}')}`);
      }
    });
  await app.listen(0, '127.0.0.1');
  url = await app.getUrl();
  // Closing consumers that are still joining their groups waits out the join, so start from ready.
  await waitFor('gateway ready', async () =>
    (await fetch(`${url}/health/ready`)).status === 200 ? true : undefined,
  );
});

afterAll(async () => {
  await app?.close();
});

/** A GET sent with its path exactly as written: fetch() would resolve the dot segments first. */
function rawGet(path: string): Promise<{ status: number; contentType: string; cacheControl: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, method: 'GET' }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type']),
          cacheControl: String(res.headers['cache-control']),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the document matches the routes the gateway registers', () => {
  const documented = new Set(
    Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    ),
  );

  it('documents every /api/v1 route', () => {
    const api = [...registered].filter((r) => r.split(' ')[1]!.startsWith('/api/v1/'));
    expect(api.length).toBeGreaterThan(15);
    expect(api.filter((r) => !documented.has(r))).toEqual([]);
  });

  it('documents only routes that exist', () => {
    expect([...documented].filter((r) => !registered.has(r))).toEqual([]);
  });

  it('documents the query parameters the routes accept, and they refuse any other', async () => {
    // Routes the gateway answers without asking the read side.
    const ANSWERED_BY_THE_GATEWAY = new Set(['/api/v1/me']);
    for (const route of ROUTES.filter((r) => r.query)) {
      const path = route.pathId ? route.path.replace('{id}', route.pathId.example) : route.path;
      const query = new URLSearchParams(route.query!.example);
      const get = (q: URLSearchParams) =>
        fetch(`${url}${path}?${q}`, {
          headers: { 'x-api-key': ADMIN_KEY },
          signal: AbortSignal.timeout(10_000),
        });
      const accepted = await get(query);
      if (ANSWERED_BY_THE_GATEWAY.has(route.path)) {
        expect([route.path, accepted.status]).toEqual([route.path, 200]);
        await accepted.text();
      } else {
        // Past validation the gateway asks the read side, which does not answer here.
        expect([route.path, accepted.status, await accepted.json()]).toMatchObject([
          route.path,
          503,
          { code: 'QUERY.TIMEOUT' },
        ]);
      }
      query.set('sort', 'newest');
      const refused = await get(query);
      expect([route.path, refused.status]).toEqual([route.path, 400]);
      await refused.text();
    }
  });
});

describe('the docs routes', () => {
  it('serve the document as JSON without a key', async () => {
    const res = await fetch(`${url}/api/docs-json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(doc)));
  });

  it('serve a Swagger UI page that loads its assets and the document, with no inline script', async () => {
    const res = await fetch(`${url}/api/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    for (const asset of ['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js']) {
      expect(html).toContain(`/api/docs/${asset}`);
    }
    // The docs pages' Content-Security-Policy allows scripts from this origin only.
    expect(html.match(/<script(?![^>]*\bsrc=)[^>]*>/g)).toBeNull();
    const initializer = await fetch(`${url}/api/docs/swagger-initializer.js`);
    expect(initializer.status).toBe(200);
    expect(await initializer.text()).toContain("url: '/api/docs-json'");
  });

  it('serve the Swagger UI assets from swagger-ui-dist', async () => {
    const bundle = await fetch(`${url}/api/docs/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toContain('javascript');
    expect(bundle.headers.get('cache-control')).toBe('public, max-age=86400');
    expect(await bundle.text()).toContain('SwaggerUIBundle');
    const css = await fetch(`${url}/api/docs/swagger-ui.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toContain('text/css');
    // Read to the end: a cancelled body leaves the socket open and app.close() waits for it to time out.
    expect((await css.text()).length).toBeGreaterThan(0);
  });

  it('refuse anything but the listed assets, however the path is written', async () => {
    for (const path of [
      '/api/docs/../../package.json',
      '/api/docs/..%2F..%2Fpackage.json',
      '/api/docs/%2E%2E%2Fpackage.json',
      '/api/docs/index.html',
      '/api/docs/absolute-path.js',
      '/api/docs/swagger-ui-bundle.js%00.css',
    ]) {
      const res = await rawGet(path);
      expect([path, res.status]).toEqual([path, 404]);
      expect(res.contentType).toContain('application/problem+json');
      expect(res.cacheControl).not.toContain('max-age');
    }
  });
});
