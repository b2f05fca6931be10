import { createHash } from 'node:crypto';
import { canonicalDecimal } from '@billing/contracts/money';
import { z } from 'zod';
import { answer } from './json-http';
import { SERVICE_UNAVAILABLE, type AttemptPlan } from './provider-book';
import { amountSchema, currencySchema, referenceSchema } from './schemas';
import { unitsFor } from './tariff';

/** The electricity provider: prepaid meter tokens bought with a client-chosen reference. */
export const purchaseRequestSchema = z.object({
  reference: referenceSchema,
  provider: z.string().min(1, 'must not be empty').max(64, 'must be at most 64 characters'),
  meterNumber: z.string().regex(/^\d{6,20}$/, 'must be 6 to 20 digits'),
  amount: amountSchema,
  currency: currencySchema,
});

export type PurchaseRequest = z.output<typeof purchaseRequestSchema>;

/**
 * The magic meter suffixes. Scenarios are chosen by the test data rather than by configuration, so that
 * one running simulator serves every scenario at once and a test names its scenario in its own fixtures.
 */
export const METER_SUFFIXES = {
  invalidAccount: '0000',
  insufficientCredit: '1111',
  unavailable: '2222',
  lateSuccess: '5555',
  neverAnswers: '9999',
} as const;

function digest(label: string, reference: string): Buffer {
  return createHash('sha256').update(`${label}:${reference}`).digest();
}

/**
 * The 20-digit token a meter accepts. It is derived from the reference, not drawn at random, so that a test
 * can predict it and a replay visibly returns the same token rather than a second one.
 */
export function electricityToken(reference: string): string {
  const value = BigInt(`0x${digest('token', reference).toString('hex')}`) % 10n ** 20n;
  return value.toString().padStart(20, '0');
}

/** The provider's own id for a purchase, derived like the token so that it is stable across runs. */
export function providerReferenceFor(reference: string): string {
  return `EKO-${digest('provider-reference', reference).toString('hex').slice(0, 10).toUpperCase()}`;
}

/** The fields that make two purchases "the same request", with the amount in canonical form. */
export function purchaseFingerprint(request: PurchaseRequest): string {
  return JSON.stringify([
    request.reference,
    request.provider,
    request.meterNumber,
    canonicalDecimal(request.amount),
    request.currency,
  ]);
}

/** Applies the meter rules to a purchase whose reference the provider has not seen before. */
export function planPurchase(request: PurchaseRequest): AttemptPlan {
  const { reference, meterNumber } = request;
  const refuse = (code: string): AttemptPlan => {
    const body = { status: 'failed', code, reference };
    return { record: { kind: 'result', statusCode: 422, body, charged: false }, reply: answer(422, body) };
  };
  if (meterNumber.endsWith(METER_SUFFIXES.invalidAccount)) return refuse('INVALID_ACCOUNT');
  if (meterNumber.endsWith(METER_SUFFIXES.insufficientCredit)) return refuse('INSUFFICIENT_CREDIT');
  if (meterNumber.endsWith(METER_SUFFIXES.unavailable)) {
    return { record: null, reply: answer(503, SERVICE_UNAVAILABLE) };
  }
  if (meterNumber.endsWith(METER_SUFFIXES.neverAnswers)) {
    return { record: { kind: 'silent' }, reply: { kind: 'silent' } };
  }
  const body = {
    status: 'success',
    reference,
    token: electricityToken(reference),
    providerReference: providerReferenceFor(reference),
    units: unitsFor(request.amount),
  };
  const record = { kind: 'result', statusCode: 200, body, charged: true } as const;
  if (meterNumber.endsWith(METER_SUFFIXES.lateSuccess)) {
    return { record, reply: { kind: 'late', statusCode: 200, body } };
  }
  return { record, reply: answer(200, body) };
}
