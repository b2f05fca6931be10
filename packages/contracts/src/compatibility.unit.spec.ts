import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compareSchemas } from './compatibility';
import { toJsonSchema, type JsonSchema } from './json-schema';
import { checkAgainstSnapshots } from './schema-gate';

/** An object schema as toJsonSchema writes a strict zod object: named fields only. */
function anObject(properties: Record<string, JsonSchema>, required = Object.keys(properties)): JsonSchema {
  return { type: 'object', properties, required, additionalProperties: false };
}
const str: JsonSchema = { type: 'string' };
const nullableStr: JsonSchema = { anyOf: [{ type: 'string' }, { type: 'null' }] };

function problems(prev: JsonSchema, next: JsonSchema): string[] {
  return compareSchemas(prev, next).map((p) => `${p.path}: ${p.problem}`);
}

describe('compareSchemas: what consumers of an existing version could not survive', () => {
  it.each<[string, JsonSchema, JsonSchema, string]>([
    ['a removed field', anObject({ a: str, b: str }), anObject({ a: str }), 'b: removed'],
    [
      'a retyped field',
      anObject({ a: str }),
      anObject({ a: { type: 'number' } }),
      'a: retyped from string to number',
    ],
    [
      'a number narrowed to an integer',
      anObject({ a: { type: 'number' } }),
      anObject({ a: { type: 'integer' } }),
      'a: retyped from number to integer',
    ],
    ['a required field added', anObject({ a: str }), anObject({ a: str, b: str }), 'b: added as required'],
    [
      'an optional field made required',
      anObject({ a: str, b: str }, ['a']),
      anObject({ a: str, b: str }),
      'b: is now required',
    ],
    [
      'an enum narrowed',
      anObject({ s: { type: 'string', enum: ['a', 'b'] } }),
      anObject({ s: { type: 'string', enum: ['a'] } }),
      's: enum narrowed: no longer accepts "b"',
    ],
    [
      'a constant changed',
      anObject({ v: { type: 'number', const: 1 } }),
      anObject({ v: { type: 'number', const: 2 } }),
      'v: constant changed: no longer accepts 1',
    ],
    ['nullable removed', anObject({ a: nullableStr }), anObject({ a: str }), 'a: no longer accepts null'],
    [
      'a pattern changed',
      anObject({ a: { type: 'string', pattern: '^a+$' } }),
      anObject({ a: { type: 'string', pattern: '^a{1,3}$' } }),
      'a: pattern changed from "^a+$" to "^a{1,3}$"',
    ],
    [
      'a format added',
      anObject({ a: str }),
      anObject({ a: { type: 'string', format: 'uuid' } }),
      'a: format changed from none to "uuid"',
    ],
    [
      'a maximum length lowered',
      anObject({ a: { type: 'string', maxLength: 10 } }),
      anObject({ a: { type: 'string', maxLength: 5 } }),
      'a: maxLength lowered from 10 to 5',
    ],
    [
      'a minimum raised',
      anObject({ n: { type: 'integer', minimum: 0 } }),
      anObject({ n: { type: 'integer', minimum: 1 } }),
      'n: minimum raised from 0 to 1',
    ],
    [
      'an array bound tightened',
      anObject({ l: { type: 'array', items: str, maxItems: 16 } }),
      anObject({ l: { type: 'array', items: str, maxItems: 8 } }),
      'l: maxItems lowered from 16 to 8',
    ],
    [
      'an array item retyped',
      anObject({ l: { type: 'array', items: str } }),
      anObject({ l: { type: 'array', items: { type: 'boolean' } } }),
      'l[]: retyped from string to boolean',
    ],
    [
      'a nested field removed',
      anObject({ o: anObject({ x: str, y: str }) }),
      anObject({ o: anObject({ x: str }) }),
      'o.y: removed',
    ],
    [
      'a record value narrowed',
      anObject({ m: { type: 'object', additionalProperties: { type: 'string', maxLength: 512 } } }),
      anObject({ m: { type: 'object', additionalProperties: { type: 'string', maxLength: 64 } } }),
      'm.*: maxLength lowered from 512 to 64',
    ],
    [
      'an open object closed',
      anObject({ o: { type: 'object', properties: { x: str } } }),
      anObject({ o: { type: 'object', properties: { x: str }, additionalProperties: false } }),
      'o: no longer accepts fields it does not name',
    ],
    [
      'a refinement added',
      anObject({ a: str }),
      anObject({ a: { type: 'string', 'x-refinements': ['must be positive'] } }),
      'a: new check: must be positive',
    ],
    [
      'any value restricted',
      anObject({ a: {} }),
      anObject({ a: str }),
      'a: is now restricted to string; it accepted any value',
    ],
  ])('given %s, then it is a break', (_name, prev, next, expected) => {
    expect(problems(prev, next)).toContain(expected);
  });

  it.each<[string, JsonSchema, JsonSchema]>([
    ['an optional field added', anObject({ a: str }), anObject({ a: str, b: str }, ['a'])],
    ['a required field made optional', anObject({ a: str, b: str }), anObject({ a: str, b: str }, ['a'])],
    [
      'an integer widened to a number',
      anObject({ a: { type: 'integer' } }),
      anObject({ a: { type: 'number' } }),
    ],
    [
      'an enum widened',
      anObject({ s: { type: 'string', enum: ['a'] } }),
      anObject({ s: { type: 'string', enum: ['a', 'b'] } }),
    ],
    ['nullable added', anObject({ a: str }), anObject({ a: nullableStr })],
    [
      'the same pattern',
      anObject({ a: { type: 'string', pattern: '^a+$' } }),
      anObject({ a: { type: 'string', pattern: '^a+$' } }),
    ],
    ['a format dropped', anObject({ a: { type: 'string', format: 'uuid' } }), anObject({ a: str })],
    [
      'a maximum length raised',
      anObject({ a: { type: 'string', maxLength: 5 } }),
      anObject({ a: { type: 'string', maxLength: 10 } }),
    ],
    [
      'a minimum lowered',
      anObject({ n: { type: 'integer', minimum: 1 } }),
      anObject({ n: { type: 'integer', minimum: 0 } }),
    ],
    [
      'an array bound relaxed',
      anObject({ l: { type: 'array', items: str, maxItems: 8 } }),
      anObject({ l: { type: 'array', items: str, maxItems: 16 } }),
    ],
    [
      'a record value widened',
      anObject({ m: { type: 'object', additionalProperties: { type: 'string', maxLength: 64 } } }),
      anObject({ m: { type: 'object', additionalProperties: { type: 'string', maxLength: 512 } } }),
    ],
    [
      'a closed object opened',
      anObject({ o: anObject({ x: str }) }),
      anObject({ o: { type: 'object', properties: { x: str }, required: ['x'] } }),
    ],
    [
      'a refinement dropped',
      anObject({ a: { type: 'string', 'x-refinements': ['must be positive'] } }),
      anObject({ a: str }),
    ],
    [
      'a constant made any value',
      anObject({ v: { type: 'number', const: 1 } }),
      anObject({ v: { type: 'number' } }),
    ],
    [
      'a description changed',
      anObject({ a: { ...str, description: 'old' } }),
      anObject({ a: { ...str, description: 'new' } }),
    ],
  ])('given %s, then it is compatible', (_name, prev, next) => {
    expect(problems(prev, next)).toEqual([]);
  });

  it('given zod schemas, then a field with a default counts as optional on the wire', () => {
    const prev = toJsonSchema(z.strictObject({ a: z.string() }));
    const widened = toJsonSchema(z.strictObject({ a: z.string(), b: z.string().nullable().default(null) }));
    const narrowed = toJsonSchema(z.strictObject({ a: z.string(), b: z.string() }));
    expect(problems(prev, widened)).toEqual([]);
    expect(problems(prev, narrowed)).toEqual(['b: added as required']);
  });
});

describe('checkAgainstSnapshots', () => {
  const v1 = anObject({ data: anObject({ amount: str, currency: str }) });

  it('given a breaking change to a snapshotted version, then it names the message, the field and the next version', () => {
    const gate = checkAgainstSnapshots({ 'RequestTopUp.v1': v1 }, [
      { type: 'RequestTopUp', version: 1, schema: anObject({ data: anObject({ amount: str }) }) },
    ]);
    expect(gate.breaking).toEqual(['RequestTopUp v1: field data.currency removed; add version 2 instead']);
  });

  it('given a compatible widening, then it is listed for the snapshot to record, not as a break', () => {
    const next = anObject({
      data: anObject({ amount: str, currency: str, note: str }, ['amount', 'currency']),
    });
    const gate = checkAgainstSnapshots({ 'RequestTopUp.v1': v1 }, [
      { type: 'RequestTopUp', version: 1, schema: next },
    ]);
    expect(gate).toEqual({ breaking: [], added: [], widened: ['RequestTopUp.v1'] });
  });

  it('given a new version beside the old one, then the new one is added and the old one is checked as before', () => {
    const gate = checkAgainstSnapshots({ 'RequestTopUp.v1': v1 }, [
      { type: 'RequestTopUp', version: 1, schema: v1 },
      { type: 'RequestTopUp', version: 2, schema: anObject({ data: anObject({ amount: str }) }) },
    ]);
    expect(gate).toEqual({ breaking: [], added: ['RequestTopUp.v2'], widened: [] });
  });

  it('given a version that is no longer declared, then it is a break', () => {
    const gate = checkAgainstSnapshots({ 'RequestTopUp.v1': v1 }, []);
    expect(gate.breaking).toEqual([expect.stringMatching(/^RequestTopUp v1: no longer declared/)]);
  });

  it('given a break while v2 exists, then it asks for version 3', () => {
    const gate = checkAgainstSnapshots({ 'RequestTopUp.v1': v1, 'RequestTopUp.v2': v1 }, [
      { type: 'RequestTopUp', version: 1, schema: anObject({ data: anObject({ amount: str }) }) },
      { type: 'RequestTopUp', version: 2, schema: v1 },
    ]);
    expect(gate.breaking[0]).toMatch(/; add version 3 instead$/);
  });
});
