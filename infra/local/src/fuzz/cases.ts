import fc from 'fast-check';
import type { FuzzRequest } from './http';
import { BAD_IDS, BAD_KEYS, BAD_PREFER, BAD_QUERIES, BODY_MUTATION_ARB, type Body } from './mutations';
import type { ApiSpec, Operation } from './spec';
import {
  accountIdArb,
  freshKeyArb,
  shapeBody,
  transactionIdArb,
  valueArb,
  type ValueContext,
} from './values';
import type { Credential, World } from './world';

/**
 * One fuzz case: a single request, or a few sent at once that share an idempotency key (the same body
 * twice must name the same transaction; a different body under the key must not move money twice).
 */
export interface FuzzCase {
  requests: FuzzRequest[];
  /** `same-key`: every 2xx answer must name the same resource. */
  group?: 'same-key' | 'key-reuse';
}

interface Parts {
  op: Operation;
  who: Credential | null;
  whoName: string;
  pathId?: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: Body;
}

const MOVEMENTS = new Set(['topUp', 'withdraw', 'transfer', 'pay', 'refund', 'payBill']);

interface Caller {
  who: Credential | null;
  name: string;
  headers: Record<string, string>;
}

const BAD_CREDENTIALS: Record<string, string>[] = [
  {},
  { 'x-api-key': '' },
  { 'x-api-key': 'wrong-key-0000000000' },
  { authorization: 'Bearer' },
  { authorization: 'Bearer ' },
  { authorization: 'Basic ZGV2OmRldg==' },
  { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' },
  { authorization: 'Bearer a.b.c' },
  { 'x-api-key': 'k'.repeat(5000) },
  { 'x-api-key': 'key-\u00ff\u00fe' },
];

/** Every way of calling: each known key as X-API-Key and as a bearer token, then bad or no credentials. */
function callers(world: World): Caller[] {
  const known = [world.admin, ...world.owners].flatMap((who): Caller[] => [
    { who, name: who.name, headers: { 'x-api-key': who.key } },
    { who, name: who.name, headers: { authorization: `Bearer ${who.key}` } },
  ]);
  return [...known, ...BAD_CREDENTIALS.map((headers) => ({ who: null, name: 'anonymous', headers }))];
}

/** An index into callers(world): mostly a known key, sometimes a bad one. */
function callerIndexArb(world: World): fc.Arbitrary<number> {
  const known = 2 * (1 + world.owners.length);
  return fc.oneof(
    { weight: 18, arbitrary: fc.integer({ min: 0, max: known - 1 }) },
    { weight: 1, arbitrary: fc.integer({ min: known, max: known + BAD_CREDENTIALS.length - 1 }) },
  );
}

function pathIdArb(op: Operation, ctx: ValueContext): fc.Arbitrary<string> | undefined {
  if (!op.path.includes('{id}')) return undefined;
  return op.path.startsWith('/api/v1/transactions/') ? transactionIdArb(ctx) : accountIdArb(ctx);
}

/** The valid requests of one operation, per caller: built once per caller, drawn from many times. */
function validPartsArb(spec: ApiSpec, world: World, op: Operation): fc.Arbitrary<Parts> {
  const all = callers(world);
  const built = new Map<number, fc.Arbitrary<Parts>>();
  return callerIndexArb(world).chain((i) => {
    let arb = built.get(i);
    if (!arb) {
      arb = validPartsFor(spec, world, op, all[i]!);
      built.set(i, arb);
    }
    return arb;
  });
}

function validPartsFor(
  spec: ApiSpec,
  world: World,
  op: Operation,
  { who, name, headers }: Caller,
): fc.Arbitrary<Parts> {
  {
    const ctx: ValueContext = { spec, world, who };
    const queryParams = op.parameters.filter((p) => p.in === 'query');
    const queryModel: Record<string, fc.Arbitrary<unknown>> = {};
    for (const p of queryParams) queryModel[p.name] = valueArb(p.schema, ctx, p.name);
    const required = queryParams.filter((p) => p.required).map((p) => p.name);
    const pathId =
      op.operationId === 'changeAccountStatus'
        ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...world.statusAccounts) }, accountIdArb(ctx))
        : pathIdArb(op, ctx);
    return fc
      .record({
        pathId: pathId ?? fc.constant(undefined),
        query: fc.record(queryModel, { requiredKeys: required }),
        body: op.body ? valueArb(op.body, ctx) : fc.constant(undefined),
        wait: fc.oneof({ weight: 9, arbitrary: fc.constant(0) }, fc.integer({ min: 1, max: 2 })),
        keyInHeader: fc.boolean(),
        pick: fc.record({ bank: fc.nat(), minor: fc.integer({ min: 1, max: 300 }) }),
      })
      .map(({ pathId, query, body, wait, keyInHeader, pick }) => {
        const parts: Parts = { op, who, whoName: name, query: stringify(query), headers: { ...headers } };
        if (pathId !== undefined) parts.pathId = pathId;
        if (wait > 0 && op.parameters.some((p) => p.name === 'Prefer')) parts.headers.prefer = `wait=${wait}`;
        if (
          op.operationId === 'streamEvents' &&
          !query.accountId &&
          !query.transactionId &&
          pick.bank % 4 !== 0
        ) {
          parts.query.accountId = world.accounts[pick.bank % world.accounts.length]!.id;
        }
        if (body !== undefined) {
          let shaped = shapeBody(op.operationId, body as Body, ctx, pick);
          if (MOVEMENTS.has(op.operationId) && keyInHeader && typeof shaped.idempotencyKey === 'string') {
            parts.headers['idempotency-key'] = shaped.idempotencyKey;
            shaped = { ...shaped };
            delete shaped.idempotencyKey;
          }
          parts.body = shaped;
        }
        return parts;
      });
  }
}

function stringify(query: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) out[k] = String(v);
  return out;
}

function toRequest(parts: Parts, kind: string, over: Partial<FuzzRequest> = {}): FuzzRequest {
  const path = parts.op.path.replace(
    '{id}',
    parts.pathId === undefined ? '' : encodeURIComponent(parts.pathId),
  );
  const qs = new URLSearchParams(parts.query).toString();
  const request: FuzzRequest = {
    method: parts.op.method,
    path: qs ? `${path}?${qs}` : path,
    headers: { ...parts.headers },
    kind,
    who: parts.whoName,
  };
  if (parts.body !== undefined) {
    request.headers['content-type'] = 'application/json';
    request.body = Buffer.from(JSON.stringify(parts.body), 'utf8');
  }
  return { ...request, ...over };
}

/** Mutations of the request line and headers, for every operation. */
function requestMutationArb(parts: Parts): fc.Arbitrary<FuzzCase> {
  const base = toRequest(parts, 'valid');
  const template = parts.op.path;
  const options: fc.Arbitrary<FuzzCase>[] = [
    fc.constantFrom(...BAD_QUERIES).map((q) => ({
      requests: [{ ...base, kind: 'query', path: `${base.path}${base.path.includes('?') ? '&' : '?'}${q}` }],
    })),
  ];
  if (template.includes('{id}')) {
    options.push(
      fc.constantFrom(...BAD_IDS).map((id) => ({
        requests: [
          {
            ...base,
            kind: 'path-id',
            path: `${template.replace('{id}', id)}${base.path.slice(base.path.indexOf('?') === -1 ? base.path.length : base.path.indexOf('?'))}`,
          },
        ],
      })),
    );
  }
  if (parts.op.parameters.some((p) => p.name === 'Prefer')) {
    options.push(
      fc
        .constantFrom(...BAD_PREFER)
        .map((prefer) => ({ requests: [{ ...base, kind: 'prefer', headers: { ...base.headers, prefer } }] })),
    );
  }
  if (parts.op.parameters.some((p) => p.name === 'Last-Event-ID')) {
    options.push(
      fc.constantFrom(...BAD_EVENT_IDS).map((id) => ({
        requests: [{ ...base, kind: 'last-event-id', headers: { ...base.headers, 'last-event-id': id } }],
      })),
    );
  }
  return fc.oneof(...options);
}

/** Last-Event-ID values a reconnecting client might send: unknown, not an id, long, latin-1 bytes. */
const BAD_EVENT_IDS = [
  '',
  'x',
  '0192f0a0-0000-7000-8000-00000000000a',
  'not-an-id',
  'e'.repeat(4000),
  'id-\u00ff\u00fe',
  '%00',
];

/** Mutations of the idempotency key and concurrent uses of one key, for the money movements. */
function keyMutationArb(parts: Parts, world: World): fc.Arbitrary<FuzzCase> {
  const body = parts.body ?? {};
  const bare = { ...body };
  delete bare.idempotencyKey;
  const headers = { ...parts.headers };
  delete headers['idempotency-key'];
  const headerKeys = BAD_KEYS.filter((k) => /^[\u0020-\u00ff]*$/.test(k));
  const variant = (kind: string, b: Body, h: Record<string, string>) =>
    toRequest({ ...parts, body: b, headers: { ...headers, ...h } }, kind);
  return fc.oneof<fc.Arbitrary<FuzzCase>[]>(
    fc.constant<FuzzCase>({ requests: [variant('key:missing', bare, {})] }),
    fc
      .constantFrom(...BAD_KEYS)
      .map((k) => ({ requests: [variant('key:bad-body', { ...bare, idempotencyKey: k }, {})] })),
    fc
      .constantFrom(...headerKeys)
      .map((k) => ({ requests: [variant('key:bad-header', bare, { 'idempotency-key': k })] })),
    fc.tuple(freshKeyArb(world), freshKeyArb(world)).map(([a, b]) => ({
      requests: [variant('key:disagree', { ...bare, idempotencyKey: a }, { 'idempotency-key': b })],
    })),
    fc.tuple(freshKeyArb(world), fc.integer({ min: 2, max: 4 })).map(([k, n]) => ({
      group: 'same-key' as const,
      requests: Array.from({ length: n }, () =>
        variant('key:concurrent-same', bare, { 'idempotency-key': k }),
      ),
    })),
    fc.tuple(freshKeyArb(world), fc.integer({ min: 2, max: 3 })).map(([k, n]) => ({
      group: 'key-reuse' as const,
      requests: Array.from({ length: n }, (_, i) =>
        variant('key:concurrent-reuse', { ...bare, amount: `${i + 1}.00` }, { 'idempotency-key': k }),
      ),
    })),
  );
}

const UNROUTED_PATHS = [
  '/api/v2/accounts',
  '/api/v1/nothing-here',
  '/api/v1/accounts/x/y/z',
  '/api',
  '/%ff',
  '/api/v1/transactions/topup/extra',
  '/api/v1/reports',
];

/** Routes and methods the document does not have: answered 404 ROUTE.NOT_FOUND. */
function unroutedArb(world: World): fc.Arbitrary<FuzzCase> {
  return fc
    .tuple(
      fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
      fc.constantFrom(...UNROUTED_PATHS),
      fc.boolean(),
    )
    .map(([method, path, body]) => ({
      requests: [
        {
          method,
          path,
          headers: { 'x-api-key': world.admin.key, ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { body: Buffer.from('{"a":1}') } : {}),
          kind: 'unrouted',
          who: world.admin.name,
        },
      ],
    }));
}

/** Documented paths with a method they do not have (DELETE on an account, PUT on a top-up). */
function wrongMethodArb(spec: ApiSpec, world: World): fc.Arbitrary<FuzzCase> {
  return fc
    .tuple(fc.constantFrom(...spec.operations), fc.constantFrom('PUT', 'DELETE', 'PATCH', 'POST', 'GET'))
    .filter(
      ([op, method]) => spec.match(method, op.path.replace('{id}', world.accounts[0]!.id)) === undefined,
    )
    .map(([op, method]) => ({
      requests: [
        {
          method,
          path: op.path.replace('{id}', world.accounts[0]!.id),
          headers: { 'x-api-key': world.admin.key },
          kind: 'wrong-method',
          who: world.admin.name,
        },
      ],
    }));
}

function operationCaseArb(spec: ApiSpec, world: World, op: Operation): fc.Arbitrary<FuzzCase> {
  return validPartsArb(spec, world, op).chain((parts) => {
    const options: fc.WeightedArbitrary<FuzzCase>[] = [
      { weight: 10, arbitrary: fc.constant({ requests: [toRequest(parts, 'valid')] }) },
      { weight: 3, arbitrary: requestMutationArb(parts) },
    ];
    if (parts.body !== undefined) {
      const required = ((spec.resolve(op.body!).required ?? []) as string[]).filter((f) => f in parts.body!);
      options.push({
        weight: 10,
        arbitrary: BODY_MUTATION_ARB.map((mutate) => {
          const m = mutate(parts.body!, required);
          const request = toRequest(parts, `body:${m.kind}`);
          if (m.body === undefined) delete request.body;
          else request.body = m.body;
          for (const [k, v] of Object.entries(m.headers ?? {})) {
            if (v === undefined) delete request.headers[k];
            else request.headers[k] = v;
          }
          return { requests: [request] };
        }),
      });
    }
    // Opening an account takes a key too (a retry names the same account); it is never required there.
    if (MOVEMENTS.has(op.operationId) || op.operationId === 'openAccount')
      options.push({ weight: 4, arbitrary: keyMutationArb(parts, world) });
    return fc.oneof(...options);
  });
}

/** Every case the fuzzer may send: each documented operation, weighted towards the money movements. */
export function fuzzCaseArb(spec: ApiSpec, world: World): fc.Arbitrary<FuzzCase> {
  const operations = spec.operations.filter(
    (op) => op.path.startsWith('/api/v1/') || op.path.startsWith('/health/'),
  );
  return fc.oneof(
    ...operations.map((op) => ({
      weight:
        MOVEMENTS.has(op.operationId) || op.operationId === 'openAccount'
          ? 6
          : op.path.startsWith('/health/')
            ? 1
            : 3,
      arbitrary: operationCaseArb(spec, world, op),
    })),
    { weight: 1, arbitrary: unroutedArb(world) },
    { weight: 1, arbitrary: wrongMethodArb(spec, world) },
  );
}
