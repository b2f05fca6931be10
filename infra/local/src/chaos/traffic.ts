import { randomBytes } from 'node:crypto';
import { createGatewayClient } from '@billing/client/gateway-client';
import type { paths } from '@billing/client/generated/api';

/**
 * Money movements through the gateway while faults happen: transfers, payments, refunds of earlier
 * payments and bill payments, from a few workers. Every request has an idempotency key; an answer
 * that does not say what happened (503, a dropped connection) is retried with the same key, which the
 * gateway makes safe, and a key still unanswered when the traffic stops is kept for the checks to
 * settle. A movement is accepted once the gateway names its transaction.
 */
export type MovementKind = 'transfer' | 'payment' | 'refund' | 'bill';

/** The routes chaos writes to, named as the OpenAPI document names them. */
export type WritePath =
  | '/api/v1/accounts'
  | '/api/v1/transactions/topup'
  | '/api/v1/transactions/transfer'
  | '/api/v1/transactions/payment'
  | '/api/v1/transactions/refund'
  | '/api/v1/bills/pay';
/** A route's JSON body as the document states it (for a union of routes, any of theirs). */
export type WriteBody<P extends WritePath> = P extends WritePath
  ? NonNullable<paths[P]['post']['requestBody']>['content']['application/json']
  : never;

type Of<K extends MovementKind, P extends WritePath> = { kind: K; path: P; key: string; body: WriteBody<P> };
export type Movement =
  | Of<'transfer', '/api/v1/transactions/transfer'>
  | Of<'payment', '/api/v1/transactions/payment'>
  | Of<'refund', '/api/v1/transactions/refund'>
  | Of<'bill', '/api/v1/bills/pay'>;

export interface Accepted {
  id: string;
  kind: MovementKind;
}

export interface TrafficResult {
  accepted: Accepted[];
  /** Refused with a 4xx (insufficient funds, a refund beyond what is left, ...): nothing to settle. */
  refused: number;
  /** Asked but never answered with a transaction or a refusal; the checks ask again. */
  unanswered: Movement[];
}

export interface Accounts {
  users: string[];
  merchants: string[];
}

const REQUEST_TIMEOUT_MS = 15_000;

type Raw = Promise<{ data?: unknown; error?: unknown; response: Response }>;
type Answer = { status: number; body: Record<string, unknown> } | null;

/**
 * The gateway through the typed client (packages/client), so that a route changed without its OpenAPI
 * document stops this tool compiling, as it stops the tests.
 */
export class Gateway {
  private readonly api: ReturnType<typeof createGatewayClient>['api'];

  constructor(
    readonly url: string,
    key: string,
  ) {
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname))
      throw new Error('chaos only targets this machine');
    this.api = createGatewayClient({ baseUrl: url, credential: { apiKey: key } }).api;
  }

  /** The status and body, or null when nothing was answered (a restarting gateway, a timeout). */
  private async answer(call: () => Raw): Promise<Answer> {
    try {
      const { data, error, response } = await call();
      const body = data ?? error;
      return {
        status: response.status,
        body: typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {},
      };
    } catch {
      return null; // refused connection (a restarting gateway), a timeout, a dropped answer
    }
  }

  /** A write with its idempotency key, waiting a little for the final state. */
  post<P extends WritePath>(path: P, body: WriteBody<P>, idempotencyKey: string): Promise<Answer> {
    // One generic call for several routes: each route's own body type is checked at the call site.
    const post = this.api.POST as (path: WritePath, init: Record<string, unknown>) => Raw;
    return this.answer(() =>
      post(path, {
        body,
        params: { header: { 'Idempotency-Key': idempotencyKey, Prefer: 'wait=5' } },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      }),
    );
  }

  transaction(id: string): Promise<Answer> {
    return this.answer(() =>
      this.api.GET('/api/v1/transactions/{id}', {
        params: { path: { id } },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      }),
    );
  }

  trialBalance(): Promise<Answer> {
    return this.answer(() =>
      this.api.GET('/api/v1/reports/trial-balance', { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }),
    );
  }

  /** One attempt of a movement: accepted, refused, or unknown (ask again with the same key). */
  async attempt(m: Movement): Promise<'refused' | 'unknown' | Accepted> {
    const answer = await this.post(m.path, m.body, m.key);
    if (answer === null || answer.status >= 500) return 'unknown';
    const id = answer.body.transactionId ?? answer.body.id;
    if (answer.status < 300 && typeof id === 'string') return { id, kind: m.kind };
    if (answer.status === 429) return 'unknown';
    return 'refused';
  }
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const cents = (min: number, max: number) =>
  (Math.floor(min * 100 + Math.random() * (max - min) * 100) / 100).toFixed(2);

export function nextMovement(
  accounts: Accounts,
  payments: readonly string[],
  label: string,
  seq: number,
): Movement {
  const key = `chaos-${label}-${seq}-${randomBytes(3).toString('hex')}`;
  const roll = Math.random();
  if (roll < 0.35) {
    const source = pick(accounts.users);
    let destination = pick(accounts.users);
    while (destination === source) destination = pick(accounts.users);
    return {
      kind: 'transfer',
      path: '/api/v1/transactions/transfer',
      key,
      body: {
        sourceAccountId: source,
        destinationAccountId: destination,
        amount: cents(1, 40),
        currency: 'USD',
      },
    };
  }
  if (roll < 0.65 || payments.length === 0) {
    return {
      kind: 'payment',
      path: '/api/v1/transactions/payment',
      key,
      body: {
        customerAccountId: pick(accounts.users),
        merchantAccountId: pick(accounts.merchants),
        amount: cents(5, 60),
        currency: 'USD',
      },
    };
  }
  if (roll < 0.8) {
    return {
      kind: 'refund',
      path: '/api/v1/transactions/refund',
      key,
      body: { originalPaymentId: pick(payments), amount: cents(0.5, 3), currency: 'USD' },
    };
  }
  return {
    kind: 'bill',
    path: '/api/v1/bills/pay',
    key,
    body: {
      accountId: pick(accounts.users),
      billType: 'electricity',
      provider: 'ekedc',
      meterNumber: '12345678',
      amount: cents(2, 30),
      currency: 'USD',
    },
  };
}

/** Sends movements from `workers` loops until `signal` aborts; retries unknown answers with their key. */
export async function runTraffic(
  gateway: Gateway,
  accounts: Accounts,
  options: { workers: number; label: string; signal: AbortSignal; attemptsMax: number },
): Promise<TrafficResult> {
  const result: TrafficResult = { accepted: [], refused: 0, unanswered: [] };
  const payments: string[] = [];
  let seq = 0;
  await Promise.all(
    Array.from({ length: options.workers }, async () => {
      while (!options.signal.aborted) {
        const movement = nextMovement(accounts, payments, options.label, seq++);
        let outcome: 'refused' | 'unknown' | Accepted = 'unknown';
        for (let attempt = 1; attempt <= options.attemptsMax && outcome === 'unknown'; attempt++) {
          outcome = await gateway.attempt(movement);
          if (outcome === 'unknown') await new Promise((r) => setTimeout(r, 250 * attempt));
        }
        if (outcome === 'refused') result.refused++;
        else if (outcome === 'unknown') result.unanswered.push(movement);
        else {
          result.accepted.push(outcome);
          if (outcome.kind === 'payment') payments.push(outcome.id);
        }
      }
    }),
  );
  return result;
}
