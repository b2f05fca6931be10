import { createGatewayClient, type GatewayClient } from '@billing/client/gateway-client';
import type { paths } from '@billing/client/generated/api';
import type { RunningSystem } from './system';

/** A gateway answer as the e2e tests read it: the status, the parsed body (problem or resource), headers. */
export interface Answer {
  status: number;
  body: Record<string, unknown> & {
    code?: string;
    status?: string;
    items?: unknown[];
    reason?: { code: string; detail: string };
  };
  headers: Headers;
}

/** The typed client of the system's gateway, calling with one API key. */
export function typedClient(system: RunningSystem, apiKey: string): GatewayClient {
  return createGatewayClient({ baseUrl: system.gatewayUrl, credential: { apiKey } });
}

type Method = 'get' | 'post' | 'patch';
/** The document's routes that answer a method. */
export type RouteOf<M extends Method> = {
  [P in keyof paths]: paths[P][M] extends undefined ? never : P;
}[keyof paths];
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
/** The JSON body a route takes, as the document states it (for a union of routes, any of theirs). */
export type BodyOf<P extends keyof paths, M extends Method> = P extends keyof paths
  ? Operation<P, M> extends { requestBody?: { content: { 'application/json': infer B } } }
    ? B
    : never
  : never;
type Params<P extends keyof paths, M extends Method> = Pick<Operation<P, M>['parameters'], 'path' | 'query'>;
/** The path and query parameters of a route, required when the route has required ones. */
export type ParamsOf<P extends keyof paths, M extends Method> =
  Params<P, M> extends { path: object } | { query: object }
    ? [params: Params<P, M>]
    : [params?: Params<P, M>];

export interface WriteOptions {
  /** Defaults to a fresh key named after the test; null sends none (the body carries one, or none at all). */
  idempotencyKey?: string | null;
  /** Prefer: wait=N. */
  waitSeconds?: number;
  /** Transport headers the document does not list as parameters (traceparent). */
  headers?: Record<string, string>;
}

type RawAnswer = Promise<{ data?: unknown; error?: unknown; response: Response }>;
type LooseCall = (path: string, init: Record<string, unknown>) => RawAnswer;

/** A typed call's answer, a refusal as much as a success: the tests assert on both. */
export async function answer(call: RawAnswer): Promise<Answer> {
  const { data, error, response } = await call;
  return {
    status: response.status,
    body: (data ?? error ?? {}) as Answer['body'],
    headers: response.headers,
  };
}

/**
 * The system's gateway as several API keys, through the typed client: every route is named as the
 * OpenAPI document names it (`/api/v1/transactions/{id}`) with its parameters and body checked against
 * the document, so a route that changes without its document stops the tests compiling. The calls
 * answer status and body rather than throwing, since the tests probe refusals; `as(who)` is the
 * throwing client for set-up that must succeed. Tests that send what the document does not allow
 * (malformed JSON, unknown fields, missing headers) use `raw`, the client's untyped request.
 */
export function gatewayClient<K extends string>(
  system: () => RunningSystem,
  keys: Record<K, string>,
  label: string,
) {
  let seq = 0;
  const newKey = () => `${label}-${Date.now()}-${++seq}`;
  const clients = new Map<string, GatewayClient>();
  const as = (who: K) => {
    const key = `${system().gatewayUrl} ${who}`;
    let client = clients.get(key);
    if (!client) {
      client = createGatewayClient({
        baseUrl: system().gatewayUrl,
        credential: { apiKey: keys[who] },
        newIdempotencyKey: newKey,
      });
      clients.set(key, client);
    }
    return client;
  };
  // One generic call per method for every route: the signatures below check each route's own types.
  const loose = (who: K, method: 'GET' | 'POST' | 'PATCH') => as(who).api[method] as unknown as LooseCall;
  const writeHeaders = (o: WriteOptions) => ({
    ...(o.idempotencyKey === null ? {} : { 'Idempotency-Key': o.idempotencyKey ?? newKey() }),
    ...(o.waitSeconds === undefined ? {} : { Prefer: `wait=${o.waitSeconds}` }),
  });

  return {
    as,
    get<P extends RouteOf<'get'>>(who: K, path: P, ...params: ParamsOf<P, 'get'>): Promise<Answer> {
      return answer(loose(who, 'GET')(path, { params: params[0] ?? {} }));
    },
    /** A write with an idempotency key (fresh unless given), and Prefer: wait when asked. */
    post<P extends RouteOf<'post'>>(
      who: K,
      path: P,
      body: BodyOf<P, 'post'>,
      o: WriteOptions = {},
    ): Promise<Answer> {
      return answer(
        loose(who, 'POST')(path, { body, params: { header: writeHeaders(o) }, headers: o.headers ?? {} }),
      );
    },
    patch<P extends RouteOf<'patch'>>(
      who: K,
      path: P,
      params: Params<P, 'patch'>,
      body: BodyOf<P, 'patch'>,
    ): Promise<Answer> {
      return answer(loose(who, 'PATCH')(path, { params, body }));
    },
    /** An untyped call for what the document does not allow; a body gets a fresh idempotency key. */
    async raw(
      who: K,
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ): Promise<Answer> {
      return (await as(who).request(method, path, body, headers)) as Answer;
    },
  };
}
