import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/**
 * The fuzzer's view of the gateway's OpenAPI 3.1 document: the operations, the request schemas to derive
 * generators from, and what each operation may answer (the response schemas of its successes and the
 * problem codes documented for each refusal status). Everything here is read from the served document,
 * so the fuzzer checks the gateway against what it says about itself.
 */

export type JsonSchema = { [key: string]: unknown };

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: JsonSchema;
}

export interface Operation {
  method: string;
  /** The OpenAPI path template, e.g. /api/v1/accounts/{id}. */
  path: string;
  operationId: string;
  parameters: Parameter[];
  /** The request body's schema (a $ref into the components), when the operation takes one. */
  body?: JsonSchema;
  /** True for the operations the document marks as needing no credential. */
  open: boolean;
  /** Documented statuses: the media type answered and, for problems, the codes listed for the status. */
  responses: Map<number, { mediaType: string; codes: Set<string>; schema?: JsonSchema }>;
}

export interface ApiSpec {
  document: JsonSchema;
  operations: Operation[];
  /** Resolves one level of `$ref` into the document's components. */
  resolve(schema: JsonSchema): JsonSchema;
  /** Validates a value against a schema of the document; returns the errors, empty when it matches. */
  validate(schema: JsonSchema, value: unknown): string[];
  /** The operation a request reaches, by method and raw path, or undefined for an undocumented route. */
  match(method: string, path: string): Operation | undefined;
}

const DOC_ID = 'openapi';

interface RawOperation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  security?: unknown[];
  responses: Record<
    string,
    {
      content?: Record<
        string,
        { schema?: JsonSchema; examples?: Record<string, { value: { code: string } }> }
      >;
    }
  >;
}

function operationOf(method: string, path: string, raw: RawOperation): Operation {
  const responses: Operation['responses'] = new Map();
  for (const [status, response] of Object.entries(raw.responses)) {
    const [mediaType, media] = Object.entries(response.content ?? {})[0] ?? ['', {}];
    const codes = new Set(Object.values(media.examples ?? {}).map((e) => e.value.code));
    responses.set(Number(status), { mediaType, codes, ...(media.schema ? { schema: media.schema } : {}) });
  }
  const body = raw.requestBody?.content['application/json']?.schema;
  return {
    method: method.toUpperCase(),
    path,
    operationId: raw.operationId,
    parameters: raw.parameters ?? [],
    ...(body ? { body } : {}),
    open: Array.isArray(raw.security) && raw.security.length === 0,
    responses,
  };
}

/** A path template as a matcher of raw request paths: `{id}` is one non-empty segment. */
function templateMatcher(template: string): RegExp {
  const pattern = template
    .split('/')
    .map((segment) => (segment.startsWith('{') ? '[^/]+' : segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${pattern}$`);
}

export function loadSpec(document: JsonSchema): ApiSpec {
  const paths = document.paths as Record<string, Record<string, RawOperation>>;
  const operations: Operation[] = [];
  for (const [path, ops] of Object.entries(paths)) {
    for (const [method, raw] of Object.entries(ops)) operations.push(operationOf(method, path, raw));
  }
  const components = (document.components as { schemas: Record<string, JsonSchema> }).schemas;
  const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema({ $id: DOC_ID, components: { schemas: components } });
  const compiled = new Map<string, ValidateFunction>();
  const rebase = (schema: JsonSchema): JsonSchema =>
    JSON.parse(JSON.stringify(schema).replace(/"\$ref":"#\//g, `"$ref":"${DOC_ID}#/`)) as JsonSchema;
  const matchers = operations.map((op) => ({ op, re: templateMatcher(op.path) }));
  return {
    document,
    operations,
    resolve(schema) {
      const ref = schema.$ref;
      if (typeof ref !== 'string') return schema;
      const name = ref.replace('#/components/schemas/', '');
      const target = components[name];
      if (!target) throw new Error(`the document has no schema ${ref}`);
      return target;
    },
    validate(schema, value) {
      const key = JSON.stringify(schema);
      let validator = compiled.get(key);
      if (!validator) {
        validator = ajv.compile(rebase(schema));
        compiled.set(key, validator);
      }
      if (validator(value)) return [];
      return (validator.errors ?? []).map(
        (e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`,
      );
    },
    match(method, path) {
      const bare = path.split('?')[0] ?? path;
      return matchers.find((m) => m.op.method === method && m.re.test(bare))?.op;
    },
  };
}

/** Reads the document from a running gateway. */
export async function fetchSpec(baseUrl: string): Promise<ApiSpec> {
  const res = await fetch(new URL('/api/docs-json', baseUrl), { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET /api/docs-json answered ${res.status}`);
  return loadSpec((await res.json()) as JsonSchema);
}
