import { createHash } from 'node:crypto';
import type { Actor } from '@billing/contracts/envelope';
import type { TransactionView } from '@billing/contracts/messages/queries';
import { IdempotencyKeySchema } from '@billing/contracts/messages/transactions';
import { AmountSchema, CurrencyCodeSchema, findSeededCurrency, toMinorUnits } from '@billing/contracts/money';
import { IDEMPOTENCY_NAMESPACE, UuidSchema, uuidv5 } from '@billing/contracts/uuid';
import { z } from 'zod';
import { ProblemError } from '../http/problem';

export const TopUpBodySchema = z
  .strictObject({
    idempotencyKey: IdempotencyKeySchema.optional(),
    sourceAccountId: UuidSchema,
    destinationAccountId: UuidSchema,
    amount: AmountSchema,
    currency: CurrencyCodeSchema.refine((c) => findSeededCurrency(c) !== undefined, 'unknown currency'),
  })
  .superRefine((body, ctx) => {
    const currency = findSeededCurrency(body.currency);
    if (currency) {
      const parsed = toMinorUnits(body.amount, currency.scale);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', path: ['amount'], message: parsed.detail });
    }
    if (body.sourceAccountId === body.destinationAccountId) {
      ctx.addIssue({
        code: 'custom',
        path: ['destinationAccountId'],
        message: 'must differ from sourceAccountId',
      });
    }
  });
export type TopUpBody = z.output<typeof TopUpBodySchema>;

/** The key comes from the Idempotency-Key header or the body; both present must agree. */
export function idempotencyKeyOf(
  header: string | undefined,
  body: { idempotencyKey?: string | undefined },
): string {
  if (header !== undefined && body.idempotencyKey !== undefined && header !== body.idempotencyKey) {
    throw new ProblemError(400, 'REQUEST.INVALID', 'Idempotency-Key header and body idempotencyKey differ');
  }
  const key = header ?? body.idempotencyKey;
  if (key === undefined) {
    throw new ProblemError(
      400,
      'IDEMPOTENCY.KEY_REQUIRED',
      'send an Idempotency-Key header or an idempotencyKey field',
    );
  }
  if (!IdempotencyKeySchema.safeParse(key).success) {
    throw new ProblemError(
      400,
      'REQUEST.INVALID',
      'the idempotency key must be 8-128 letters, digits or _.:-',
      [{ field: 'idempotencyKey', code: 'REQUEST.INVALID', message: 'invalid idempotency key' }],
    );
  }
  return key;
}

/** The transaction id derives from (caller, key): a retry names the same transaction without a lookup. */
export function transactionIdFor(actor: Actor, key: string): string {
  return uuidv5(`${actor.kind}:${actor.id}:${key}`, IDEMPOTENCY_NAMESPACE);
}

export interface MovementTerms {
  type: TransactionView['type'];
  sourceAccountId: string;
  destinationAccountId: string;
  amount: string;
  currency: string;
}

/** A hash of what the request asks for, in a fixed field order: equal terms, equal hash. */
export function requestHash(terms: MovementTerms): string {
  const canonical = JSON.stringify([
    terms.type,
    terms.sourceAccountId,
    terms.destinationAccountId,
    terms.amount,
    terms.currency,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** True when an existing transaction was created by exactly these terms (a replay, not a conflict). */
export function sameTerms(existing: TransactionView, terms: MovementTerms): boolean {
  return (
    existing.type === terms.type &&
    existing.sourceAccountId === terms.sourceAccountId &&
    existing.destinationAccountId === terms.destinationAccountId &&
    existing.amount === terms.amount &&
    existing.currency === terms.currency
  );
}
