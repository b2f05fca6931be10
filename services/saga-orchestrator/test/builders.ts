import type { MovementRequest, WorkflowContext } from '../src/workflow/types';

export const AT = '2026-01-01T00:00:00.000Z';
export const actor = { kind: 'owner' as const, id: 'alice' };

let seq = 0;
export const settings = {
  holdTtlMs: 3_600_000,
  stepDeadlineMs: 30_000,
  stepResendsMax: 2,
  providerAttemptsMax: 3,
  providerBackoffMs: 100,
  providerBackoffMaxMs: 1000,
  voidAttemptsMax: 3,
  captureRetriesMax: 2,
  billProviders: ['ekedc'],
  providerCurrencies: ['USD'],
  fundingProvider: 'cardpay',
};

/** A context whose ids are predictable: id-1, id-2, ... */
export function aContext(): WorkflowContext {
  seq = 0;
  return { settings, newId: () => `00000000-0000-7000-8000-${String(++seq).padStart(12, '0')}` };
}

export function aRequest(overrides: Partial<MovementRequest> = {}): MovementRequest {
  return {
    type: 'topup',
    transactionId: '00000000-0000-7000-8000-0000000000aa',
    idempotencyKey: 'key-00000001',
    requestHash: 'a'.repeat(64),
    sourceAccountId: '00000000-0000-7000-8000-0000000000b1',
    destinationAccountId: '00000000-0000-7000-8000-0000000000b2',
    amount: '100.00',
    currency: 'USD',
    originalTransactionId: null,
    details: {},
    funding: null,
    ...overrides,
  };
}
