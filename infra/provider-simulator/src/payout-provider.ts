import { createHash } from 'node:crypto';
import { canonicalDecimal, significantFraction } from '@billing/contracts/money';
import { z } from 'zod';
import { answer } from './json-http';
import type { AttemptPlan } from './provider-book';
import { amountSchema, currencySchema, referenceSchema } from './schemas';

/** The payout provider: sends money out to an external account under a client-chosen reference. */
export const payoutRequestSchema = z.object({
  reference: referenceSchema,
  accountId: z.string().min(1, 'must not be empty').max(128, 'must be at most 128 characters'),
  amount: amountSchema,
  currency: currencySchema,
});

export type PayoutRequest = z.output<typeof payoutRequestSchema>;

/**
 * The magic fractions of the amount (trailing zeros ignored). Payouts have no account number with digits to
 * spare, so the cents choose the scenario; a test picks one by the amount it sends.
 */
export const PAYOUT_FRACTIONS = {
  lateSuccess: '55',
  refused: '66',
  neverAnswers: '77',
} as const;

/** The provider's id for a payout, derived from the reference so that replays show the same id. */
export function payoutIdFor(reference: string): string {
  const hex = createHash('sha256').update(`payout:${reference}`).digest('hex');
  return `PAY-${hex.slice(0, 12).toUpperCase()}`;
}

export function payoutFingerprint(request: PayoutRequest): string {
  return JSON.stringify([
    request.reference,
    request.accountId,
    canonicalDecimal(request.amount),
    request.currency,
  ]);
}

/** Applies the amount rules to a payout whose reference the provider has not seen before. */
export function planPayout(request: PayoutRequest): AttemptPlan {
  const { reference } = request;
  const fraction = significantFraction(request.amount);
  if (fraction === PAYOUT_FRACTIONS.refused) {
    const body = { status: 'refused', code: 'PAYOUT_REFUSED', reference };
    return { record: { kind: 'result', statusCode: 422, body, charged: false }, reply: answer(422, body) };
  }
  if (fraction === PAYOUT_FRACTIONS.neverAnswers) {
    return { record: { kind: 'silent' }, reply: { kind: 'silent' } };
  }
  const body = { status: 'paid', reference, payoutId: payoutIdFor(reference) };
  const record = { kind: 'result', statusCode: 200, body, charged: true } as const;
  if (fraction === PAYOUT_FRACTIONS.lateSuccess) {
    return { record, reply: { kind: 'late', statusCode: 200, body } };
  }
  return { record, reply: answer(200, body) };
}
