import { z } from 'zod';

/** A JSON Schema document as plain data (draft-07, which is also what AsyncAPI's own schema format takes). */
export type JsonSchema = { [keyword: string]: unknown };

/** Zod types that JSON Schema has no words for; they become `{}` marked with what they were. */
const UNREPRESENTABLE = new Set([
  'bigint',
  'symbol',
  'undefined',
  'void',
  'date',
  'map',
  'set',
  'function',
  'custom',
  'nan',
  'transform',
  'promise',
]);

interface CheckDef {
  check: string;
  error?: (issue: Record<string, unknown>) => unknown;
}

/** The messages of a schema's `.refine()` checks: JSON Schema cannot say them, but a reader should know. */
function refinementMessages(def: { checks?: { _zod: { def: CheckDef } }[] }): string[] {
  return (def.checks ?? [])
    .map((c) => c._zod.def)
    .filter((d) => d.check === 'custom')
    .map((d) => {
      const message = typeof d.error === 'function' ? d.error({}) : undefined;
      return typeof message === 'string' ? message : 'checked in code';
    });
}

/**
 * The JSON Schema of a zod schema as a consumer sees the wire: the input side (a field with a default may
 * be absent), draft-07. What JSON Schema cannot express is kept visible instead of silently dropped: a
 * `.refine()` becomes `x-refinements` with its message, an unrepresentable type `{}` with
 * `x-unrepresentable` naming the zod type. Both count in the compatibility gate.
 */
export function toJsonSchema(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, {
    target: 'draft-07',
    io: 'input',
    unrepresentable: 'any',
    override: (ctx) => {
      const def = ctx.zodSchema._zod.def as { type: string; checks?: { _zod: { def: CheckDef } }[] };
      const target = ctx.jsonSchema as JsonSchema;
      const refinements = refinementMessages(def);
      if (refinements.length > 0) target['x-refinements'] = refinements;
      if (UNREPRESENTABLE.has(def.type)) {
        target['x-unrepresentable'] = def.type;
        target.description ??= `a ${def.type} in code; JSON Schema cannot describe it`;
      }
    },
  }) as JsonSchema;
  delete json.$schema;
  return json;
}
