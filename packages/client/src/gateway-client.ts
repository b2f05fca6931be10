import createClient from 'openapi-fetch';
import type { components, paths } from './generated/api.js';
import { paginate } from './pages.js';
import { GatewayProblem, GatewayUnreachable } from './problem.js';
import { parseSse } from './sse.js';

/**
 * The typed client of the gateway: openapi-fetch over the types openapi-typescript generates from the
 * gateway's OpenAPI document, so a route whose document changes changes these types and every caller
 * that no longer fits fails to compile. On top it adds what every integrator writes by hand otherwise:
 * idempotency keys, Prefer: wait, problems as exceptions, pages and the event stream as async iterators.
 */

export type Schemas = components['schemas'];
export type Credential = { apiKey: string } | { bearer: string };

export interface GatewayClientOptions {
  baseUrl: string;
  credential?: Credential;
  fetch?: typeof globalThis.fetch;
  /** Names a money movement when the caller gives no key; a retry of one call reuses the same key. */
  newIdempotencyKey?: () => string;
}

export interface WriteOptions {
  /** Defaults to a fresh key per call; give your own to make retries across processes safe. */
  idempotencyKey?: string;
  /** Prefer: wait=N: wait up to N seconds for the final state (200) instead of 202 at once. */
  waitSeconds?: number;
}

/** A write's answer: 200/201 with the final state, or 202 with where to poll. */
export interface WriteAnswer<T> {
  status: number;
  body: T;
  location: string | null;
}

export interface LiveEvent {
  id: string | undefined;
  type: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

export interface StreamOptions {
  signal?: AbortSignal;
  lastEventId?: string;
  /** Reconnects after the gateway ends the stream (its lifetime, a restart), with Last-Event-ID. */
  reconnectsMax?: number;
  /** Called each time the gateway has accepted the stream (its 200 arrived), before any event. */
  onOpen?: () => void;
}

type Answer = { data?: unknown; error?: unknown; response: Response };

function credentialHeaders(credential: Credential | undefined): Record<string, string> {
  if (!credential) return {};
  return 'apiKey' in credential
    ? { 'x-api-key': credential.apiKey }
    : { authorization: `Bearer ${credential.bearer}` };
}

function writeHeaders(options: WriteOptions, newKey: () => string, idempotent: boolean) {
  const headers: Record<string, string> = {};
  if (idempotent) headers['idempotency-key'] = options.idempotencyKey ?? newKey();
  if (options.waitSeconds !== undefined) headers.prefer = `wait=${options.waitSeconds}`;
  return headers;
}

export function createGatewayClient(options: GatewayClientOptions) {
  const baseUrl = options.baseUrl.replace(/\/$/, '');
  const newKey = options.newIdempotencyKey ?? (() => crypto.randomUUID());
  const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const api = createClient<paths>({
    baseUrl,
    fetch: fetchImpl,
    headers: credentialHeaders(options.credential),
  });

  /** The success body of an answer, or its problem thrown; a network failure is GatewayUnreachable. */
  async function ok<R extends Answer>(
    call: Promise<R>,
  ): Promise<{ body: NonNullable<R['data']>; response: Response }> {
    let answer: R;
    try {
      answer = await call;
    } catch (err) {
      throw new GatewayUnreachable(baseUrl, err);
    }
    if (answer.error !== undefined || !answer.response.ok)
      throw GatewayProblem.from(answer.response.status, answer.error);
    return { body: answer.data as NonNullable<R['data']>, response: answer.response };
  }

  async function write<R extends Answer>(call: Promise<R>): Promise<WriteAnswer<NonNullable<R['data']>>> {
    const { body, response } = await ok(call);
    return { status: response.status, body, location: response.headers.get('location') };
  }

  const data = async <R extends Answer>(call: Promise<R>) => (await ok(call)).body;

  type TopUp = Schemas['TopUpRequest'];
  type TwoParty = Schemas['TwoPartyMovementRequest'];
  const movement =
    <B>(path: '/api/v1/transactions/withdraw' | '/api/v1/transactions/transfer') =>
    (body: B & TwoParty, o: WriteOptions = {}) =>
      write(api.POST(path, { body, headers: writeHeaders(o, newKey, true) }));

  async function* events(
    query: { accountId?: string; transactionId?: string },
    o: StreamOptions = {},
  ): AsyncGenerator<LiveEvent> {
    let lastEventId = o.lastEventId;
    for (let attempt = 0; attempt <= (o.reconnectsMax ?? 0); attempt++) {
      const { response } = await ok(
        api.GET('/api/v1/events/stream', {
          params: { query },
          headers: lastEventId === undefined ? {} : { 'last-event-id': lastEventId },
          parseAs: 'stream',
          signal: o.signal,
        }),
      );
      if (!response.body) return;
      o.onOpen?.();
      for await (const frame of parseSse(response.body)) {
        lastEventId = frame.id ?? lastEventId;
        const parsed = JSON.parse(frame.data) as Omit<LiveEvent, 'id'>;
        yield {
          id: frame.id,
          type: parsed.type ?? frame.event,
          occurredAt: parsed.occurredAt,
          data: parsed.data,
        };
      }
      if (o.signal?.aborted) return;
    }
  }

  return {
    /** The openapi-fetch client itself, for a route this wrapper does not name. */
    api,
    /** Who this client's credential is (admin, owner or system, and its id). */
    me: () => data(api.GET('/api/v1/me')),
    accounts: {
      open: (body: Schemas['OpenAccountRequest'], o: WriteOptions = {}) =>
        write(api.POST('/api/v1/accounts', { body, headers: writeHeaders(o, newKey, true) })),
      get: (id: string) => data(api.GET('/api/v1/accounts/{id}', { params: { path: { id } } })),
      balance: (id: string) => data(api.GET('/api/v1/accounts/{id}/balance', { params: { path: { id } } })),
      listPage: (query: { ownerId?: string; limit?: number; cursor?: string }) =>
        data(api.GET('/api/v1/accounts', { params: { query } })),
      /** Every account of the owner, oldest first, page by page as the loop goes. */
      list: (query: { ownerId?: string; limit?: number } = {}) =>
        paginate((cursor) => data(api.GET('/api/v1/accounts', { params: { query: { ...query, cursor } } }))),
      transactions: (
        id: string,
        query: Omit<
          NonNullable<paths['/api/v1/accounts/{id}/transactions']['get']['parameters']['query']>,
          'cursor'
        > = {},
      ) =>
        paginate((cursor) =>
          data(
            api.GET('/api/v1/accounts/{id}/transactions', {
              params: { path: { id }, query: { ...query, cursor } },
            }),
          ),
        ),
      statement: (id: string, query: { from?: string; to?: string } = {}) =>
        data(api.GET('/api/v1/accounts/{id}/statement', { params: { path: { id }, query } })),
      changeStatus: (id: string, body: Schemas['ChangeAccountStatusRequest'], o: WriteOptions = {}) =>
        write(
          api.PATCH('/api/v1/accounts/{id}/status', {
            params: { path: { id } },
            body,
            headers: writeHeaders(o, newKey, false),
          }),
        ),
    },
    transactions: {
      topUp: (body: TopUp, o: WriteOptions = {}) =>
        write(api.POST('/api/v1/transactions/topup', { body, headers: writeHeaders(o, newKey, true) })),
      withdraw: movement<TwoParty>('/api/v1/transactions/withdraw'),
      transfer: movement<TwoParty>('/api/v1/transactions/transfer'),
      pay: (body: Schemas['PaymentRequest'], o: WriteOptions = {}) =>
        write(api.POST('/api/v1/transactions/payment', { body, headers: writeHeaders(o, newKey, true) })),
      refund: (body: Schemas['RefundRequest'], o: WriteOptions = {}) =>
        write(api.POST('/api/v1/transactions/refund', { body, headers: writeHeaders(o, newKey, true) })),
      payBill: (body: Schemas['BillPaymentRequest'], o: WriteOptions = {}) =>
        write(api.POST('/api/v1/bills/pay', { body, headers: writeHeaders(o, newKey, true) })),
      get: (id: string) => data(api.GET('/api/v1/transactions/{id}', { params: { path: { id } } })),
      /** Its steps, ledger postings and holds in time order. */
      timeline: (id: string) =>
        data(api.GET('/api/v1/transactions/{id}/timeline', { params: { path: { id } } })),
      /**
       * Stuck transactions or those that need attention, oldest first (admins); `flagged` keeps only those
       * flagged for investigation (true) or only the others (false).
       */
      queue: (status: 'stuck' | 'needs_attention', limit?: number, flagged?: boolean) =>
        paginate(async (cursor) =>
          data(
            api.GET('/api/v1/transactions', {
              params: {
                query: {
                  status,
                  limit,
                  cursor,
                  ...(flagged === undefined ? {} : { flagged: flagged ? 'true' : 'false' }),
                },
              },
            }),
          ),
        ),
    },
    /** Operators' actions on a transaction, decided by its saga (admins). */
    operations: {
      /** Re-drives the step the transaction's saga waits on; 409 TRANSACTION.NOT_RETRYABLE when none. */
      retryStep: (id: string, o: WriteOptions = {}) =>
        write(
          api.POST('/api/v1/admin/transactions/{id}/retry', {
            params: { path: { id } },
            body: {},
            headers: writeHeaders(o, newKey, true),
          }),
        ),
      /** Flags the transaction for investigation with a note (replacing an earlier note). */
      flag: (id: string, note: string, o: WriteOptions = {}) =>
        write(
          api.POST('/api/v1/admin/transactions/{id}/investigation', {
            params: { path: { id } },
            body: { note },
            headers: writeHeaders(o, newKey, true),
          }),
        ),
      /** Clears the investigation flag, optionally saying what was found. */
      clearFlag: (id: string, note?: string, o: WriteOptions = {}) =>
        write(
          api.POST('/api/v1/admin/transactions/{id}/investigation/clear', {
            params: { path: { id } },
            body: note === undefined ? {} : { note },
            headers: writeHeaders(o, newKey, true),
          }),
        ),
    },
    reports: {
      trialBalance: () => data(api.GET('/api/v1/reports/trial-balance')),
      currencies: () => data(api.GET('/api/v1/currencies')),
      /** Per-minute counts by outcome, completion latency, pending and stuck counts (admins). */
      activity: (minutes?: number) =>
        data(api.GET('/api/v1/reports/transaction-activity', { params: { query: { minutes } } })),
    },
    /** What consumers could not handle, and replaying it (admins). */
    deadLetters: {
      /** One page, newest first; pass the previous page's nextCursor for the next one. */
      page: (query: NonNullable<paths['/api/v1/admin/dead-letters']['get']['parameters']['query']> = {}) =>
        data(api.GET('/api/v1/admin/dead-letters', { params: { query } })),
      get: (id: string) => data(api.GET('/api/v1/admin/dead-letters/{id}', { params: { path: { id } } })),
      /** Asks for a replay (202); the outcome appears on the dead letter. The key makes a retry safe. */
      replay: (id: string, o: Pick<WriteOptions, 'idempotencyKey'> = {}) =>
        write(
          api.POST('/api/v1/admin/dead-letters/{id}/replay', {
            params: { path: { id } },
            body: {},
            headers: writeHeaders(o, newKey, true),
          }),
        ),
    },
    /** The live events of an account or a transaction (Server-Sent Events read through fetch). */
    events,
    /**
     * An untyped call with this client's credential and idempotency keys that returns the status and the
     * parsed body instead of throwing: for tests that probe refusals.
     */
    async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
      const res = await fetchImpl(`${baseUrl}${path}`, {
        method,
        headers: {
          ...credentialHeaders(options.credential),
          ...(body === undefined ? {} : { 'content-type': 'application/json', 'idempotency-key': newKey() }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : {} };
    },
  };
}

export type GatewayClient = ReturnType<typeof createGatewayClient>;
