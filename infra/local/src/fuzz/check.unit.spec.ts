import { describe, expect, it } from 'vitest';
import { checkResponse } from './check';
import type { FuzzRequest, FuzzResponse } from './http';
import { loadSpec } from './spec';

/** A document of one operation in the gateway's shape: a JSON success and problem examples per status. */
const spec = loadSpec({
  openapi: '3.1.0',
  paths: {
    '/api/v1/things/{id}': {
      get: {
        operationId: 'getThing',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '200': {
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
          },
          '404': {
            content: {
              'application/problem+json': {
                schema: { $ref: '#/components/schemas/Problem' },
                examples: { 'THING.NOT_FOUND': { value: { code: 'THING.NOT_FOUND' } } },
              },
            },
          },
          '503': {
            content: {
              'application/problem+json': {
                schema: { $ref: '#/components/schemas/Problem' },
                examples: { 'QUERY.TIMEOUT': { value: { code: 'QUERY.TIMEOUT' } } },
              },
            },
          },
        },
      },
    },
  },
  components: {
    schemas: {
      Thing: {
        type: 'object',
        properties: { id: { type: 'string' } },
        required: ['id'],
        additionalProperties: false,
      },
      Problem: {
        type: 'object',
        properties: { status: { type: 'integer' }, code: { type: 'string' }, detail: { type: 'string' } },
        required: ['status', 'code'],
      },
    },
  },
});

const request: FuzzRequest = {
  method: 'GET',
  path: '/api/v1/things/x?y=1',
  headers: {},
  kind: 'valid',
  who: 'admin',
};
const json = (status: number, body: unknown, contentType = 'application/json'): FuzzResponse => ({
  status,
  contentType,
  headers: {},
  text: JSON.stringify(body),
  durationMs: 1,
});
const problem = (status: number, code: string) =>
  json(status, { status, code, detail: 'x' }, 'application/problem+json');

describe('checking an answer against the document', () => {
  it('accepts a success matching its schema and a refusal with a documented code', () => {
    expect(checkResponse(spec, request, json(200, { id: 'x' }), false)).toEqual({ outcome: 'ok' });
    expect(checkResponse(spec, request, problem(404, 'THING.NOT_FOUND'), false)).toEqual({ outcome: 'ok' });
  });

  it('flags a success that does not match its schema', () => {
    expect(checkResponse(spec, request, json(200, { id: 'x', extra: 1 }), false).outcome).toBe('violation');
  });

  it('flags a code the document does not list for the status, and a status it does not list', () => {
    expect(checkResponse(spec, request, problem(404, 'OTHER.CODE'), false).outcome).toBe('violation');
    expect(checkResponse(spec, request, problem(400, 'REQUEST.INVALID'), false).outcome).toBe('violation');
  });

  it('flags a refusal that is not problem+json, and any 500', () => {
    expect(
      checkResponse(spec, request, json(404, { status: 404, code: 'THING.NOT_FOUND' }), false).outcome,
    ).toBe('violation');
    expect(checkResponse(spec, request, problem(500, 'INTERNAL'), false).outcome).toBe('violation');
  });

  it('counts a documented 503 as unavailable, and as a violation only when strict', () => {
    expect(checkResponse(spec, request, problem(503, 'QUERY.TIMEOUT'), false)).toEqual({
      outcome: 'unavailable',
    });
    expect(checkResponse(spec, request, problem(503, 'QUERY.TIMEOUT'), true).outcome).toBe('violation');
  });

  it('expects 404 ROUTE.NOT_FOUND for a route the document does not have', () => {
    const unrouted = { ...request, path: '/api/v1/nothing' };
    expect(checkResponse(spec, unrouted, problem(404, 'ROUTE.NOT_FOUND'), false)).toEqual({ outcome: 'ok' });
    expect(checkResponse(spec, unrouted, json(200, {}), false).outcome).toBe('violation');
  });
});
