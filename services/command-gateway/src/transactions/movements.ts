import { createHash } from 'node:crypto';
import type { Actor } from '@billing/contracts/envelope';
import type { AccountType } from '@billing/contracts/messages/accounts';
import type { TransactionType } from '@billing/contracts/messages/ledger';
import type { TransactionView } from '@billing/contracts/messages/queries';
import {
  BillTypeSchema,
  IdempotencyKeySchema,
  MeterNumberSchema,
  ProviderNameSchema,
} from '@billing/contracts/messages/transactions';
import { AmountSchema, CurrencyCodeSchema, findSeededCurrency, toMinorUnits } from '@billing/contracts/money';
import { IDEMPOTENCY_NAMESPACE, UuidSchema, settlementAccountId, uuidv5 } from '@billing/contracts/uuid';
import { z } from 'zod';
import { ProblemError } from '../http/problem';

const currency = CurrencyCodeSchema.refine((c) => findSeededCurrency(c) !== undefined, 'unknown currency');

/** Amount within its currency's scale: checked at the edge so nothing is emitted for "1.001" USD. */
function amountFitsCurrency(body: { amount: string; currency: string }, ctx: z.RefinementCtx): void {
  const known = findSeededCurrency(body.currency);
  if (!known) return;
  const parsed = toMinorUnits(body.amount, known.scale);
  if (!parsed.ok) ctx.addIssue({ code: 'custom', path: ['amount'], message: parsed.detail });
}

function distinct(a: keyof z.infer<typeof twoParty>, b: keyof z.infer<typeof twoParty>) {
  return (body: z.infer<typeof twoParty>, ctx: z.RefinementCtx) => {
    if (body[a] === body[b]) ctx.addIssue({ code: 'custom', path: [b], message: `must differ from ${a}` });
  };
}

const twoParty = z.strictObject({
  idempotencyKey: IdempotencyKeySchema.optional(),
  sourceAccountId: UuidSchema,
  destinationAccountId: UuidSchema,
  amount: AmountSchema,
  currency,
});

export const TwoPartyBodySchema = twoParty
  .superRefine(amountFitsCurrency)
  .superRefine(distinct('sourceAccountId', 'destinationAccountId'));

export const PaymentBodySchema = z
  .strictObject({
    idempotencyKey: IdempotencyKeySchema.optional(),
    customerAccountId: UuidSchema,
    merchantAccountId: UuidSchema,
    amount: AmountSchema,
    currency,
  })
  .superRefine(amountFitsCurrency)
  .superRefine((b, ctx) => {
    if (b.customerAccountId === b.merchantAccountId)
      ctx.addIssue({
        code: 'custom',
        path: ['merchantAccountId'],
        message: 'must differ from customerAccountId',
      });
  });

export const RefundBodySchema = z
  .strictObject({
    idempotencyKey: IdempotencyKeySchema.optional(),
    originalPaymentId: UuidSchema,
    amount: AmountSchema,
    currency,
  })
  .superRefine(amountFitsCurrency);

export const BillPaymentBodySchema = z
  .strictObject({
    idempotencyKey: IdempotencyKeySchema.optional(),
    accountId: UuidSchema,
    billType: BillTypeSchema,
    provider: ProviderNameSchema,
    meterNumber: MeterNumberSchema,
    amount: AmountSchema,
    currency,
  })
  .superRefine(amountFitsCurrency);

/**
 * What a movement asks for, reduced to the fields that make two requests "the same". The request hash
 * and the idempotency comparison with an existing transaction both use it, so they cannot disagree.
 */
export interface MovementTerms {
  type: TransactionType;
  sourceAccountId: string | null;
  destinationAccountId: string | null;
  amount: string;
  currency: string;
  originalTransactionId: string | null;
  details: Record<string, string>;
}

const DETAIL_TERMS = ['provider', 'meterNumber', 'billType'] as const;

export function requestHash(terms: MovementTerms): string {
  const details = DETAIL_TERMS.map((k) => terms.details[k] ?? null);
  const canonical = JSON.stringify([
    terms.type,
    terms.sourceAccountId,
    terms.destinationAccountId,
    terms.amount,
    terms.currency,
    terms.originalTransactionId,
    details,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** The terms a stored transaction was created with, as far as its view tells. */
export function termsOf(view: TransactionView): MovementTerms {
  const refund = view.type === 'refund';
  return {
    type: view.type,
    sourceAccountId: refund ? null : view.sourceAccountId,
    destinationAccountId: refund ? null : view.destinationAccountId,
    amount: view.amount,
    currency: view.currency,
    originalTransactionId: view.originalTransactionId ?? null,
    details: view.details ?? {},
  };
}

export function billTerms(body: z.output<typeof BillPaymentBodySchema>): MovementTerms {
  return {
    type: 'bill_payment',
    sourceAccountId: body.accountId,
    destinationAccountId: settlementAccountId(body.provider, body.currency),
    amount: body.amount,
    currency: body.currency,
    originalTransactionId: null,
    details: { provider: body.provider, meterNumber: body.meterNumber, billType: body.billType },
  };
}

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

/**
 * Which accounts a movement may take money from and give it to, checked at the edge against the read
 * side so that nothing is emitted for a request that is plainly wrong; the ledger checks again.
 * `sourceVisibleToCaller`: the caller must be able to see (own) the source account.
 */
export interface PartyRule {
  source: readonly AccountType[];
  destination: readonly AccountType[] | null;
  /** The caller must own the source (money leaves only one's own account) ... */
  sourceOwned: boolean;
  /** ... or, for a top-up, the destination (money comes in only to one's own account). */
  destinationOwned: boolean;
}

export const PARTY_RULES: Record<TransactionType, PartyRule | null> = {
  topup: { source: ['EXTERNAL'], destination: ['USER'], sourceOwned: false, destinationOwned: true },
  withdrawal: { source: ['USER'], destination: ['EXTERNAL'], sourceOwned: true, destinationOwned: false },
  transfer: { source: ['USER'], destination: ['USER'], sourceOwned: true, destinationOwned: false },
  payment: { source: ['USER'], destination: ['USER', 'SYSTEM'], sourceOwned: true, destinationOwned: false },
  // The settlement account is the orchestrator's to open; the read side may not have it yet.
  bill_payment: { source: ['USER'], destination: null, sourceOwned: true, destinationOwned: false },
  // A refund's parties are the payment's, known to the orchestrator, which checks them.
  refund: null,
};
