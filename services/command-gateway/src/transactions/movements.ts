import { createHash } from 'node:crypto';
import type { Actor } from '@billing/contracts/envelope';
import type { TransactionType } from '@billing/contracts/messages/ledger';
import {
  BillTypeSchema,
  FundingSourceSchema,
  IdempotencyKeySchema,
  type FundingSource,
  MeterNumberSchema,
  ProviderNameSchema,
} from '@billing/contracts/messages/transactions';
import {
  AmountSchema,
  canonicalDecimal,
  CurrencyCodeSchema,
  findSeededCurrency,
  formatMinorUnits,
  toMinorUnits,
} from '@billing/contracts/money';
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

/**
 * A top-up names either the EXTERNAL account the money comes from (admins only: the entry is posted at
 * once) or `funding`, the card or bank debit the funding provider collects from (then the amount is
 * credited from the provider's EXTERNAL account once it confirmed the collection). Exactly one of them.
 * Who may send which is the controller's check, before this schema, so an owner naming a source hears
 * 403 whatever else its body holds.
 */
export const TopUpBodySchema = z
  .strictObject({
    idempotencyKey: IdempotencyKeySchema.optional(),
    sourceAccountId: UuidSchema.optional().describe(
      'Admins only: the EXTERNAL account the money comes from. Leave it out and send funding instead.',
    ),
    destinationAccountId: UuidSchema,
    amount: AmountSchema,
    currency,
    funding: FundingSourceSchema.optional().describe(
      'How the funding provider collects the money (card or bank debit, and the payer instrument token).',
    ),
  })
  .superRefine(amountFitsCurrency)
  .superRefine((b, ctx) => {
    if ((b.sourceAccountId === undefined) === (b.funding === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [b.sourceAccountId === undefined ? 'funding' : 'sourceAccountId'],
        message:
          b.sourceAccountId === undefined
            ? 'required: send funding {method, sourceReference}'
            : 'send either sourceAccountId or funding, not both',
      });
    }
    if (b.sourceAccountId !== undefined && b.sourceAccountId === b.destinationAccountId)
      ctx.addIssue({
        code: 'custom',
        path: ['destinationAccountId'],
        message: 'must differ from sourceAccountId',
      });
  });

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
 * `funding` is set for a top-up collected through the funding provider (then `sourceAccountId` is null).
 */
export interface MovementTerms {
  type: TransactionType;
  sourceAccountId: string | null;
  destinationAccountId: string | null;
  amount: string;
  currency: string;
  originalTransactionId: string | null;
  details: Record<string, string>;
  funding: FundingSource | null;
}

const DETAIL_TERMS = ['provider', 'meterNumber', 'billType'] as const;

/**
 * One spelling per amount: "1.5", "1.50" and "01.50" of USD are the same request. Known currencies are
 * written at their scale; any other decimal loses its trailing fractional zeros.
 */
export function canonicalAmount(amount: string, currency: string): string {
  const known = findSeededCurrency(currency);
  if (known) {
    const parsed = toMinorUnits(amount, known.scale);
    if (parsed.ok) return formatMinorUnits(parsed.minor, known.scale);
  }
  return canonicalDecimal(amount);
}

export function requestHash(terms: MovementTerms): string {
  const details = DETAIL_TERMS.map((k) => terms.details[k] ?? null);
  const fields: unknown[] = [
    terms.type,
    terms.sourceAccountId,
    terms.destinationAccountId,
    canonicalAmount(terms.amount, terms.currency),
    terms.currency,
    terms.originalTransactionId,
    details,
  ];
  // Appended only when present, so that every request without funding keeps the hash it always had
  // (a retry across an upgrade is still the same request to the orchestrator).
  if (terms.funding !== null) fields.push([terms.funding.method, terms.funding.sourceReference]);
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
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
    funding: null,
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

/**
 * The transaction id derives from (caller, key): a retry names the same transaction without a lookup.
 * The name must be unambiguous: owner ids and keys may contain ':', so "owner:a:b:c" could be owner "a"
 * with key "b:c" or owner "a:b" with key "c". Ids without ':' keep the name they always had (the kind
 * never contains one, so kind, id and key split back uniquely, and retries across an upgrade still name
 * the same transaction); any other id is named by the JSON array, which starts with '[' and so never
 * equals a name of the first form.
 */
export function transactionIdFor(actor: Actor, key: string): string {
  const name = actor.id.includes(':')
    ? JSON.stringify([actor.kind, actor.id, key])
    : `${actor.kind}:${actor.id}:${key}`;
  return uuidv5(name, IDEMPOTENCY_NAMESPACE);
}

/**
 * Which parties the edge checks against the read side; which types they may be and which side an owner
 * must own come from the contracts' MOVEMENT_RULES, the table the orchestrator and the ledger apply too.
 * A refund's parties are the payment's, known to the orchestrator, which checks them; a bill payment's
 * settlement account is the orchestrator's to open, so the read side may not have it yet.
 */
export const EDGE_CHECKS: Record<TransactionType, { source: boolean; destination: boolean }> = {
  topup: { source: true, destination: true },
  withdrawal: { source: true, destination: true },
  transfer: { source: true, destination: true },
  payment: { source: true, destination: true },
  bill_payment: { source: true, destination: false },
  refund: { source: false, destination: false },
};
