import { randomUUID } from 'node:crypto';
import { afterEach } from 'vitest';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../src/simulator';

/** The client-side timeout the specs use for answers that should never (or not yet) arrive. */
export const CLIENT_TIMEOUT_MS = 300;

export interface Answer {
  status: number;
  contentType: string | null;
  body: Record<string, unknown>;
}

/**
 * Starts simulators on random ports and closes them after each test, so that a failing assertion cannot
 * leave a server (and its never-answered sockets) behind to hang the run.
 */
export function useSimulators(): (options?: SimulatorOptions) => Promise<RunningSimulator> {
  const started: RunningSimulator[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((simulator) => simulator.close()));
  });
  return async (options = {}) => {
    const simulator = await startSimulator(options);
    started.push(simulator);
    return simulator;
  };
}

/** A real HTTP call with fetch; `timeoutMs` aborts it through an AbortController, as a client would. */
export async function call(
  url: string,
  init: { method?: 'GET' | 'POST'; body?: unknown; rawBody?: string; timeoutMs?: number } = {},
): Promise<Answer> {
  const controller = new AbortController();
  const timer =
    init.timeoutMs === undefined ? undefined : setTimeout(() => controller.abort(), init.timeoutMs);
  try {
    const payload = init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
    const response = await fetch(url, {
      method: init.method ?? (payload === undefined ? 'GET' : 'POST'),
      headers: payload === undefined ? {} : { 'content-type': 'application/json' },
      body: payload,
      signal: controller.signal,
    });
    const body = (await response.json()) as Record<string, unknown>;
    return { status: response.status, contentType: response.headers.get('content-type'), body };
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves to the rejection of a call that is expected to fail, so a spec can assert how it failed. */
export async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error: unknown) {
    return error;
  }
  throw new Error('expected the call to fail, but it was answered');
}

/** A unique reference per test, so that specs sharing a simulator never collide by accident. */
export function newReference(): string {
  return `ref-${randomUUID()}`;
}

export function purchaseBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    reference: newReference(),
    provider: 'eko-electric',
    meterNumber: '45012345678',
    amount: '10.00',
    currency: 'NGN',
    ...overrides,
  };
}

export function payoutBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    reference: newReference(),
    accountId: 'acct-0042',
    amount: '25.00',
    currency: 'NGN',
    ...overrides,
  };
}

export const PURCHASES = '/v1/bills/electricity/purchases';
export const PAYOUTS = '/v1/payouts';

export function collectionBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    reference: newReference(),
    method: 'card',
    sourceReference: 'card_4242-owner-7',
    amount: '50.00',
    currency: 'NGN',
    ...overrides,
  };
}

export const COLLECTIONS = '/v1/collections';

/** The status query path of a reference at one provider, such as `${PAYOUTS}/ref-…`. */
export function statusPath(provider: string, reference: unknown): string {
  return `${provider}/${String(reference)}`;
}

/** The void path of a reference at one provider. */
export function voidPath(provider: string, reference: unknown): string {
  return `${provider}/${String(reference)}/void`;
}
