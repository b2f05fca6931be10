import { ERROR_CODES } from '@billing/contracts/errors';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { ProblemError, sendProblem } from '../http/problem';
import { buildOpenApiDocument, ROUTES } from './document';
import type { OperationObject } from './openapi-types';
import { PROBLEM_MEDIA_TYPE } from './problems';
import { ProblemSchema } from './schemas';

const doc = buildOpenApiDocument();

const operations: { method: string; path: string; op: OperationObject }[] = Object.entries(doc.paths).flatMap(
  ([path, item]) => Object.entries(item).map(([method, op]) => ({ method, path, op })),
);

/** What src/http/problem.ts actually sends for a refusal, captured from a stand-in reply. */
function sentProblem(problem: ProblemError, url: string): unknown {
  let body: unknown;
  const reply = {
    status: () => reply,
    headers: () => reply,
    type: () => reply,
    send: (sent: unknown) => {
      body = sent;
      return reply;
    },
  };
  sendProblem(reply as unknown as FastifyReply, { url } as FastifyRequest, problem);
  return body;
}

/** Every "$ref" anywhere in the document. */
function refs(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refs(v, found);
  else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string') found.push(v);
      else refs(v, found);
    }
  }
  return found;
}

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    // The validator is an ES module; this file is compiled as CommonJS, which may still import() it.
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as unknown as Record<string, unknown>);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('is plain JSON: serialising it loses nothing', () => {
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });

  it('resolves every $ref to a component', () => {
    const components = new Set(Object.keys(doc.components.schemas).map((n) => `#/components/schemas/${n}`));
    const unresolved = refs(doc).filter((ref) => !components.has(ref));
    expect(unresolved).toEqual([]);
  });

  it('declares every path template variable as a required path parameter, and no other', () => {
    // The schema validator does not check this, and Swagger UI cannot send a request without it.
    for (const { method, path, op } of operations) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const declared = (op.parameters ?? []).filter((p) => p.in === 'path');
      expect(
        declared.map((p) => p.name),
        `${method} ${path}`,
      ).toEqual(inPath);
      expect(declared.every((p) => p.required)).toBe(true);
    }
  });

  it('documents the correlation id and trace headers on every /api/v1 operation, sent and answered', () => {
    for (const { method, path, op } of operations.filter((o) => o.path.startsWith('/api/v1/'))) {
      const headers = (op.parameters ?? []).filter((p) => p.in === 'header').map((p) => p.name);
      expect(headers, `${method} ${path}`).toEqual(
        expect.arrayContaining(['X-Correlation-Id', 'traceparent']),
      );
      for (const [status, response] of Object.entries(op.responses).filter(([s]) => s.startsWith('2'))) {
        if (!('content' in response) || !response.content?.['application/json']) continue;
        expect(Object.keys(response.headers ?? {}), `${method} ${path} ${status}`).toEqual(
          expect.arrayContaining(['X-Correlation-Id', 'traceresponse']),
        );
      }
    }
  });

  it('gives every operation a unique operationId, a summary and a description', () => {
    const ids = operations.map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { op } of operations) {
      expect(op.summary.length).toBeGreaterThan(0);
      expect(op.description.length).toBeGreaterThan(0);
    }
  });

  it('documents at least one 4xx problem response, with examples, on every /api/v1 operation', () => {
    for (const { method, path, op } of operations.filter((o) => o.path.startsWith('/api/v1/'))) {
      const problems = Object.entries(op.responses).filter(([status]) => /^4\d\d$/.test(status));
      expect(problems.length, `${method} ${path}`).toBeGreaterThan(0);
      expect(op.responses['401'], `${method} ${path} answers 401 without a key`).toBeDefined();
      for (const [status, response] of Object.entries(op.responses).filter(([s]) => Number(s) >= 400)) {
        if (path.startsWith('/health/')) continue;
        const media = response.content?.[PROBLEM_MEDIA_TYPE];
        expect(media?.schema, `${method} ${path} ${status}`).toEqual({
          $ref: '#/components/schemas/Problem',
        });
        const examples = Object.values(media?.examples ?? {});
        expect(examples.length, `${method} ${path} ${status}`).toBeGreaterThan(0);
        for (const example of examples) {
          const problem = ProblemSchema.parse(example.value);
          expect(problem.status).toBe(Number(status));
        }
      }
    }
  });

  it('leaves only the health probes open and requires a key everywhere else', () => {
    expect(doc.security).toEqual([{ ApiKey: [] }, { BearerAuth: [] }]);
    const open = operations.filter(({ op }) => op.security !== undefined).map(({ path }) => path);
    expect(open).toEqual(['/health/live', '/health/ready']);
  });

  it('takes Idempotency-Key and Prefer on every money movement', () => {
    const movements = operations.filter(
      ({ method, path }) => method === 'post' && /^\/api\/v1\/(transactions|bills)\//.test(path),
    );
    expect(movements).toHaveLength(6);
    for (const { path, op } of movements) {
      const headers = (op.parameters ?? []).filter((p) => p.in === 'header').map((p) => p.name);
      expect(headers, path).toEqual(expect.arrayContaining(['Idempotency-Key', 'Prefer']));
    }
  });

  it('lists 400 CURRENCY.UNKNOWN on every operation whose body has a currency (found by the fuzzer)', () => {
    const withCurrency = ROUTES.filter(
      (r) => r.body && 'currency' in (r.body.schema as { shape?: object }).shape!,
    );
    expect(withCurrency.length).toBeGreaterThanOrEqual(7);
    for (const { method, path } of withCurrency) {
      const op = doc.paths[path]![method]!;
      const examples = op.responses['400']?.content?.[PROBLEM_MEDIA_TYPE]?.examples ?? {};
      const codes = Object.values(examples).map((e) => (e.value as { code: string }).code);
      expect(codes, `${method} ${path}`).toContain('CURRENCY.UNKNOWN');
    }
  });
});

describe('the examples', () => {
  it('has a request body example on every operation with a body, valid for the schema the route parses with', () => {
    for (const route of ROUTES.filter((r) => r.body)) {
      const media = doc.paths[route.path]?.[route.method]?.requestBody?.content['application/json'];
      expect(media?.example, `${route.method} ${route.path}`).toBeDefined();
      const parsed = route.body!.schema.safeParse(media?.example);
      expect(parsed.error?.issues ?? [], `${route.method} ${route.path}`).toEqual([]);
    }
  });

  it('gives every success response an example valid for its response schema', () => {
    for (const route of ROUTES) {
      for (const success of route.success) {
        const parsed = success.schema.safeParse(success.example);
        expect(parsed.error?.issues ?? [], `${route.path} ${success.status}`).toEqual([]);
      }
      const documented = doc.paths[route.path]?.[route.method]?.responses ?? {};
      const ok = Object.entries(documented).filter(([status]) => status.startsWith('2'));
      expect(ok.length, `${route.method} ${route.path}`).toBeGreaterThan(0);
      for (const [, response] of ok) {
        const media = Object.values(response.content ?? {});
        expect(media.length).toBe(1);
        expect(media[0]?.example, `${route.method} ${route.path}`).toBeDefined();
      }
    }
  });

  it('gives query parameter examples that the route accepts', () => {
    for (const route of ROUTES.filter((r) => r.query)) {
      const parsed = route.query!.schema.safeParse(route.query!.example);
      expect(parsed.error?.issues ?? [], route.path).toEqual([]);
    }
  });

  it('shows each refusal exactly as the gateway sends it', () => {
    for (const route of ROUTES) {
      const instance = route.pathId ? route.path.replace('{id}', route.pathId.example) : route.path;
      const responses = doc.paths[route.path]?.[route.method]?.responses ?? {};
      for (const error of route.errors) {
        expect(ERROR_CODES).toContain(error.code);
        const examples = Object.values(
          responses[String(error.status)]?.content?.[PROBLEM_MEDIA_TYPE]?.examples ?? {},
        );
        const expected = sentProblem(
          new ProblemError(error.status, error.code, error.detail, error.errors ?? []),
          instance,
        );
        expect(
          examples.map((e) => e.value),
          `${route.path} ${error.code}`,
        ).toContainEqual(expected);
      }
    }
  });
});
