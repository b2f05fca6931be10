import { createHash } from 'node:crypto';
import { canonicalDecimal, significantFraction } from '@billing/contracts/money';
import { z } from 'zod';
import { answer } from './json-http';
import { SERVICE_UNAVAILABLE, type AttemptPlan } from './provider-book';
import { amountSchema, currencySchema, referenceSchema } from './schemas';

/**
 * The funding provider: collects an owner's top-up from a card or by bank debit, under a client-chosen
 * reference (the saga's transaction id).
 */
export const collectionRequestSchema = z.object({
  reference: referenceSchema,
  method: z.enum(['card', 'bank_debit'], 'must be "card" or "bank_debit"'),
  sourceReference: z.string().regex(/^[A-Za-z0-9_-]{4,64}$/, 'must be 4 to 64 letters, digits, "_" or "-"'),
  amount: amountSchema,
  currency: currencySchema,
});

export type CollectionRequest = z.output<typeof collectionRequestSchema>;

/**
 * The magic fractions of the amount (trailing zeros ignored), chosen like the payout ones so that a test
 * author learns one rule: `.55` late, `.66` refused, `.77` silent. `.44` is the provider that is down once.
 */
export const COLLECTION_FRACTIONS = {
  unavailableOnce: '44',
  lateSuccess: '55',
  declined: '66',
  neverAnswers: '77',
} as const;

/** The provider's id for a collection, derived from the reference so that replays show the same id. */
export function collectionIdFor(reference: string): string {
  const hex = createHash('sha256').update(`collection:${reference}`).digest('hex');
  return `COL-${hex.slice(0, 12).toUpperCase()}`;
}

export function collectionFingerprint(request: CollectionRequest): string {
  return JSON.stringify([
    request.reference,
    request.method,
    request.sourceReference,
    canonicalDecimal(request.amount),
    request.currency,
  ]);
}

/**
 * Builds the rules for collections whose reference the provider has not recorded yet. The rules keep one
 * piece of memory of their own: which `.44` references were already answered 503, so that exactly the
 * first try fails. That 503 records nothing, as a real outage would not, so it cannot live in the book.
 */
export function collectionPlanner(): (request: CollectionRequest) => AttemptPlan {
  const unavailableOnce = new Set<string>();
  return (request) => {
    const { reference } = request;
    const fraction = significantFraction(request.amount);
    if (fraction === COLLECTION_FRACTIONS.unavailableOnce && !unavailableOnce.has(reference)) {
      unavailableOnce.add(reference);
      return { record: null, reply: answer(503, SERVICE_UNAVAILABLE) };
    }
    if (fraction === COLLECTION_FRACTIONS.declined) {
      const body = { status: 'declined', code: 'DECLINED', reference };
      return { record: { kind: 'result', statusCode: 422, body, charged: false }, reply: answer(422, body) };
    }
    if (fraction === COLLECTION_FRACTIONS.neverAnswers) {
      return { record: { kind: 'silent' }, reply: { kind: 'silent' } };
    }
    const body = { status: 'collected', reference, collectionId: collectionIdFor(reference) };
    const record = { kind: 'result', statusCode: 200, body, charged: true } as const;
    if (fraction === COLLECTION_FRACTIONS.lateSuccess) {
      return { record, reply: { kind: 'late', statusCode: 200, body } };
    }
    return { record, reply: answer(200, body) };
  };
}
