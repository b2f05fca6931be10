import type { JsonSchema } from './json-schema';

/**
 * Compares the JSON Schema a (type, version) had when it was snapshotted with the one it has now, from the
 * point of view of its consumers: messages already on the topic (or from producers not yet redeployed)
 * must still parse, and what the new schema describes must not be refused for a reason the old one
 * allowed. Anything that narrows what is accepted is a break: a removed or retyped field, a field that
 * became required, an enum value or a null no longer accepted, a tighter bound or a changed pattern, a
 * new refinement. Widening is allowed: an optional field added, an enum value added, a bound relaxed,
 * null accepted where it was not.
 *
 * Pure: plain JSON Schema in, a list of problems out. Draft-07 as `toJsonSchema` writes it.
 */

export interface Incompatibility {
  /** Dotted path from the message root (`data.amount`, `data.postings[]`); empty for the root. */
  path: string;
  problem: string;
}

type Out = Incompatibility[];

const isObject = (v: unknown): v is JsonSchema => typeof v === 'object' && v !== null && !Array.isArray(v);

function child(path: string, segment: string): string {
  return path === '' ? segment : `${path}.${segment}`;
}

/** A schema split into "null is accepted" and the non-null alternatives it accepts besides. */
interface Split {
  nullable: boolean;
  alternatives: JsonSchema[];
}

function split(schema: JsonSchema): Split {
  if (Array.isArray(schema.anyOf) || Array.isArray(schema.oneOf)) {
    const branches = ((schema.anyOf ?? schema.oneOf) as unknown[]).filter(isObject).map(split);
    return {
      nullable: branches.some((b) => b.nullable),
      alternatives: branches.flatMap((b) => b.alternatives),
    };
  }
  const types = typesOf(schema);
  if (types === undefined) {
    // No type at all: anything, null included, unless a const or an enum says otherwise.
    const nullable =
      schema.const === null ||
      (Array.isArray(schema.enum) && schema.enum.includes(null)) ||
      (schema.const === undefined && schema.enum === undefined);
    return { nullable, alternatives: [schema] };
  }
  const nonNull = types.filter((t) => t !== 'null');
  const nullable = types.includes('null');
  if (nonNull.length === 0) return { nullable, alternatives: [] };
  return { nullable, alternatives: [{ ...schema, type: nonNull.length === 1 ? nonNull[0] : nonNull }] };
}

function typesOf(schema: JsonSchema): string[] | undefined {
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type)) return schema.type.filter((t): t is string => typeof t === 'string');
  return undefined;
}

/** Whether every value of old type `from` is also of one of the types `to` (an integer is a number). */
function typeCovered(from: string, to: string[]): boolean {
  return to.includes(from) || (from === 'integer' && to.includes('number'));
}

/** Problems when `next` accepts less than `prev`. */
export function compareSchemas(prev: JsonSchema, next: JsonSchema, path = ''): Incompatibility[] {
  const out: Out = [];
  const before = split(prev);
  const after = split(next);
  if (before.nullable && !after.nullable) out.push({ path, problem: 'no longer accepts null' });
  before.alternatives.forEach((alternative, i) => {
    const attempts = after.alternatives.map((candidate) => compareOne(alternative, candidate, path));
    if (attempts.some((problems) => problems.length === 0)) return;
    if (attempts.length === 0) {
      out.push({ path, problem: `accepts only null now; it accepted ${describe(alternative)}` });
    } else if (before.alternatives.length === 1 && attempts.length === 1) {
      out.push(...attempts[0]!);
    } else {
      // Several alternatives: report against the one in the same position, the likeliest counterpart.
      const counterpart = attempts[Math.min(i, attempts.length - 1)]!;
      out.push({
        path,
        problem: `no alternative accepts what alternative ${i + 1} (${describe(alternative)}) did`,
      });
      out.push(...counterpart);
    }
  });
  return out;
}

function describe(schema: JsonSchema): string {
  const types = typesOf(schema);
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  return types ? types.join('|') : 'any value';
}

function compareOne(prev: JsonSchema, next: JsonSchema, path: string): Incompatibility[] {
  const out: Out = [];
  const before = typesOf(prev);
  const after = typesOf(next);
  if (after !== undefined) {
    if (before === undefined) {
      out.push({ path, problem: `is now restricted to ${after.join('|')}; it accepted any value` });
      return out;
    }
    const lost = before.filter((t) => !typeCovered(t, after));
    if (lost.length > 0) {
      out.push({ path, problem: `retyped from ${before.join('|')} to ${after.join('|')}` });
      return out;
    }
  }
  compareValues(prev, next, path, out);
  compareBounds(prev, next, path, out);
  compareRefinements(prev, next, path, out);
  if (isObject(prev.items) && isObject(next.items))
    out.push(...compareSchemas(prev.items, next.items, `${path}[]`));
  compareObjects(prev, next, path, out);
  return out;
}

function compareValues(prev: JsonSchema, next: JsonSchema, path: string, out: Out): void {
  const accepted = (schema: JsonSchema): unknown[] | undefined =>
    schema.const !== undefined ? [schema.const] : Array.isArray(schema.enum) ? schema.enum : undefined;
  const before = accepted(prev);
  const after = accepted(next);
  if (after === undefined) return;
  if (before === undefined) {
    out.push({ path, problem: `is now restricted to ${after.map((v) => JSON.stringify(v)).join(', ')}` });
    return;
  }
  const lost = before.filter((v) => !after.some((w) => JSON.stringify(w) === JSON.stringify(v)));
  if (lost.length > 0) {
    const what = prev.const !== undefined ? 'constant changed' : 'enum narrowed';
    out.push({
      path,
      problem: `${what}: no longer accepts ${lost.map((v) => JSON.stringify(v)).join(', ')}`,
    });
  }
}

/** Lower bounds may only go down and upper bounds only up; a pattern or format may not change at all. */
const LOWER_BOUNDS = ['minLength', 'minimum', 'exclusiveMinimum', 'minItems', 'minProperties'] as const;
const UPPER_BOUNDS = ['maxLength', 'maximum', 'exclusiveMaximum', 'maxItems', 'maxProperties'] as const;
const EXACT = ['pattern', 'format', 'multipleOf'] as const;

function compareBounds(prev: JsonSchema, next: JsonSchema, path: string, out: Out): void {
  for (const key of LOWER_BOUNDS) {
    const [b, a] = [prev[key], next[key]];
    if (typeof a === 'number' && (typeof b !== 'number' || a > b))
      out.push({ path, problem: `${key} raised from ${b ?? 'none'} to ${a}` });
  }
  for (const key of UPPER_BOUNDS) {
    const [b, a] = [prev[key], next[key]];
    if (typeof a === 'number' && (typeof b !== 'number' || a < b))
      out.push({ path, problem: `${key} lowered from ${b ?? 'none'} to ${a}` });
  }
  for (const key of EXACT) {
    const [b, a] = [prev[key], next[key]];
    if (a !== undefined && JSON.stringify(a) !== JSON.stringify(b))
      out.push({
        path,
        problem: `${key} changed from ${JSON.stringify(b) ?? 'none'} to ${JSON.stringify(a)}`,
      });
  }
}

function compareRefinements(prev: JsonSchema, next: JsonSchema, path: string, out: Out): void {
  const list = (s: JsonSchema) =>
    Array.isArray(s['x-refinements']) ? (s['x-refinements'] as unknown[]) : [];
  const before = list(prev);
  for (const refinement of list(next))
    if (!before.includes(refinement)) out.push({ path, problem: `new check: ${String(refinement)}` });
}

const describesObject = (s: JsonSchema) =>
  typesOf(s)?.includes('object') === true || 'properties' in s || 'additionalProperties' in s;

function compareObjects(prev: JsonSchema, next: JsonSchema, path: string, out: Out): void {
  if (!describesObject(prev) && !describesObject(next)) return;
  const props = (s: JsonSchema) => (isObject(s.properties) ? s.properties : {});
  const required = (s: JsonSchema) =>
    new Set(Array.isArray(s.required) ? s.required.filter((r): r is string => typeof r === 'string') : []);
  const [beforeProps, afterProps] = [props(prev), props(next)];
  const [beforeRequired, afterRequired] = [required(prev), required(next)];
  const extras = (s: JsonSchema): JsonSchema | false =>
    s.additionalProperties === false ? false : isObject(s.additionalProperties) ? s.additionalProperties : {};
  const [beforeExtras, afterExtras] = [extras(prev), extras(next)];

  for (const [name, schema] of Object.entries(beforeProps)) {
    if (!isObject(schema)) continue;
    const at = child(path, name);
    const now = afterProps[name];
    if (isObject(now)) out.push(...compareSchemas(schema, now, at));
    else if (afterExtras === false) out.push({ path: at, problem: 'removed' });
    else out.push(...compareSchemas(schema, afterExtras, at));
  }
  for (const name of afterRequired) {
    if (beforeRequired.has(name)) continue;
    const problem = name in beforeProps ? 'is now required' : 'added as required';
    out.push({ path: child(path, name), problem });
  }
  if (afterExtras === false && beforeExtras !== false) {
    // Fields the old schema named are checked above; what else it let through is refused now.
    out.push({ path, problem: 'no longer accepts fields it does not name' });
  } else if (beforeExtras !== false && afterExtras !== false) {
    out.push(...compareSchemas(beforeExtras, afterExtras, child(path, '*')));
  }
  if (isObject(next.propertyNames)) {
    const before = isObject(prev.propertyNames) ? prev.propertyNames : { type: 'string' };
    out.push(...compareSchemas(before, next.propertyNames, `${path}(keys)`));
  }
}
