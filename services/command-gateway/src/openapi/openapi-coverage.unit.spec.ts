import { describe, expect, it } from 'vitest';
import handWritten from './fixtures/hand-written-document.json';
import { buildOpenApiDocument } from './document';
import type { OperationObject, ResponseObject } from './openapi-types';

/**
 * The fixture lists what the hand-written document had before the document was derived from the
 * controllers: every operation with its path, method, parameters, body and responses, and for each
 * response its media types and the problem codes of its examples. The derived document must still cover
 * all of it, so that no consumer loses an operation, a response or a documented refusal.
 */

const doc = buildOpenApiDocument();

function problemCodes(response: ResponseObject): string[] {
  const codes = new Set<string>();
  for (const media of Object.values(response.content ?? {})) {
    for (const example of Object.values(media.examples ?? {})) {
      const value = example.value as { code?: unknown } | undefined;
      if (typeof value?.code === 'string') codes.add(value.code);
    }
    const single = media.example as { code?: unknown } | undefined;
    if (typeof single?.code === 'string') codes.add(single.code);
  }
  return [...codes].sort();
}

function operationAt(method: string, path: string): OperationObject | undefined {
  const item = doc.paths[path] as Record<string, OperationObject> | undefined;
  return item?.[method];
}

describe('the derived OpenAPI document, against the hand-written one it replaced', () => {
  it('keeps the security schemes and the component schemas', () => {
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(handWritten.securitySchemes);
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(handWritten.componentSchemas));
  });

  it.each(handWritten.operations.map((o) => [o.operationId, o] as const))(
    'keeps %s: its path, method, parameters, body, security and every response with its problem codes',
    (_id, expected) => {
      const op = operationAt(expected.method, expected.path);
      expect(op, `${expected.method} ${expected.path}`).toBeDefined();
      expect(op!.operationId).toBe(expected.operationId);
      expect(op!.tags).toEqual(expected.tags);
      expect((op!.parameters ?? []).map((p) => `${p.in}:${p.name}`)).toEqual(
        expect.arrayContaining(expected.parameters),
      );
      const body = op!.requestBody?.content['application/json']?.schema as { $ref?: string } | undefined;
      expect(body?.$ref ?? null).toBe(expected.requestBody);
      expect(op!.security ?? null).toEqual(expected.security);
      for (const [status, response] of Object.entries(expected.responses)) {
        const actual = op!.responses[status];
        expect(actual, `${expected.operationId} ${status}`).toBeDefined();
        expect(Object.keys(actual!.content ?? {})).toEqual(expect.arrayContaining(response.mediaTypes));
        expect(problemCodes(actual!)).toEqual(expect.arrayContaining(response.problemCodes));
      }
    },
  );
});
