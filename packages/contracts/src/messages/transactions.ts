import { z } from 'zod';
import { defineMessage, type MessageOf } from '../envelope';
import { ERROR_CODES } from '../errors';
import { AmountSchema, CurrencyCodeSchema } from '../money';
import { UuidSchema } from '../uuid';
import { TransactionTypeSchema } from './ledger';

export const IdempotencyKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{8,128}$/, 'idempotencyKey must be 8-128 letters, digits or _.:-');

/** sha256 of the canonical request body: the same key with another body is a conflict, not a replay. */
export const RequestHashSchema = z.string().regex(/^[0-9a-f]{64}$/);

/**
 * Where an owner's top-up is collected from: a card or bank debit through the funding provider. The
 * `sourceReference` is the provider's token for the payer's instrument, never an account of ours.
 */
export const FundingSourceSchema = z.strictObject({
  method: z.enum(['card', 'bank_debit']),
  sourceReference: z
    .string()
    .regex(/^[A-Za-z0-9_-]{4,64}$/, 'sourceReference must be 4-64 letters, digits, _ or -'),
});
export type FundingSource = z.infer<typeof FundingSourceSchema>;

/**
 * Money into a USER account. Two shapes, decided by who asks: an admin (or a provider callback acting
 * as one) names the EXTERNAL `sourceAccountId` and the entry is posted at once; an owner never names a
 * source and gives `funding` instead, and the amount is credited from the funding provider's EXTERNAL
 * account only once the provider confirmed the collection. Exactly one of the two is set.
 */
export const RequestTopUp = defineMessage(
  'RequestTopUp',
  1,
  z.strictObject({
    transactionId: UuidSchema,
    idempotencyKey: IdempotencyKeySchema,
    requestHash: RequestHashSchema,
    sourceAccountId: UuidSchema.nullable().default(null),
    destinationAccountId: UuidSchema,
    amount: AmountSchema,
    currency: CurrencyCodeSchema,
    funding: FundingSourceSchema.nullable().default(null),
  }),
);
export type RequestTopUpMessage = MessageOf<typeof RequestTopUp>;

/**
 * `needs_attention` is not final: the saga could not finish on its own (a capture the ledger refused
 * after the provider paid, a provider that stayed silent, a late provider success after a release) and
 * keeps retrying what it can while a person settles the rest.
 */
export const TransactionStatusSchema = z.enum([
  'pending',
  'completed',
  'failed',
  'reversed',
  'needs_attention',
]);
export type TransactionStatus = z.infer<typeof TransactionStatusSchema>;

export const FailureReasonSchema = z.strictObject({
  code: z.enum(ERROR_CODES),
  detail: z.string().max(1000),
});

/**
 * What every transaction event carries: enough for the read side to build history and for the gateway to
 * answer a waiting client without asking anyone.
 */
export const TransactionSummarySchema = z.strictObject({
  transactionId: UuidSchema,
  type: TransactionTypeSchema,
  status: TransactionStatusSchema,
  amount: AmountSchema,
  currency: CurrencyCodeSchema,
  sourceAccountId: UuidSchema,
  destinationAccountId: UuidSchema,
  idempotencyKey: IdempotencyKeySchema,
  reason: FailureReasonSchema.nullable(),
  /** The payment a refund gives back; null for every other type. */
  originalTransactionId: UuidSchema.nullable().default(null),
  /** Type-specific facts, e.g. a bill payment's provider, meter number and token. */
  details: z.record(z.string().max(64), z.string().max(256)).default({}),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
});
export type TransactionSummary = z.infer<typeof TransactionSummarySchema>;

const movementFields = {
  transactionId: UuidSchema,
  idempotencyKey: IdempotencyKeySchema,
  requestHash: RequestHashSchema,
  sourceAccountId: UuidSchema,
  destinationAccountId: UuidSchema,
  amount: AmountSchema,
  currency: CurrencyCodeSchema,
};

/** USER -> EXTERNAL: funds are held, paid out by the payout provider, then captured (or released). */
export const RequestWithdrawal = defineMessage('RequestWithdrawal', 1, z.strictObject(movementFields));
/** USER -> USER in one entry. */
export const RequestTransfer = defineMessage('RequestTransfer', 1, z.strictObject(movementFields));
/** Customer (USER) -> merchant (USER or SYSTEM) in one entry; refundable later. */
export const RequestPayment = defineMessage('RequestPayment', 1, z.strictObject(movementFields));

/** Gives back part or all of a completed payment: merchant -> customer. */
export const RequestRefund = defineMessage(
  'RequestRefund',
  1,
  z.strictObject({
    transactionId: UuidSchema,
    idempotencyKey: IdempotencyKeySchema,
    requestHash: RequestHashSchema,
    originalTransactionId: UuidSchema,
    amount: AmountSchema,
    currency: CurrencyCodeSchema,
  }),
);

export const BillTypeSchema = z.enum(['electricity']);
export const ProviderNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{2,32}$/, 'provider must be 2-32 letters, digits, _ or -');
export const MeterNumberSchema = z.string().regex(/^[0-9]{6,20}$/, 'meterNumber must be 6-20 digits');

/** Holds the amount, buys from the provider over HTTP, captures into the provider's settlement account. */
export const RequestBillPayment = defineMessage(
  'RequestBillPayment',
  1,
  z.strictObject({
    transactionId: UuidSchema,
    idempotencyKey: IdempotencyKeySchema,
    requestHash: RequestHashSchema,
    accountId: UuidSchema,
    billType: BillTypeSchema,
    provider: ProviderNameSchema,
    meterNumber: MeterNumberSchema,
    amount: AmountSchema,
    currency: CurrencyCodeSchema,
  }),
);

export type RequestWithdrawalMessage = MessageOf<typeof RequestWithdrawal>;
export type RequestTransferMessage = MessageOf<typeof RequestTransfer>;
export type RequestPaymentMessage = MessageOf<typeof RequestPayment>;
export type RequestRefundMessage = MessageOf<typeof RequestRefund>;
export type RequestBillPaymentMessage = MessageOf<typeof RequestBillPayment>;

export const TransactionAccepted = defineMessage('TransactionAccepted', 1, TransactionSummarySchema);
export const TransactionCompleted = defineMessage('TransactionCompleted', 1, TransactionSummarySchema);
export const TransactionFailed = defineMessage('TransactionFailed', 1, TransactionSummarySchema);
/** Money was reserved and given back (a refused payout or bill purchase): nothing moved in the end. */
export const TransactionReversed = defineMessage('TransactionReversed', 1, TransactionSummarySchema);
export type TransactionReversedMessage = MessageOf<typeof TransactionReversed>;
/** The saga is stuck on something only a person (or a later retry) can settle; `reason` says what. */
export const TransactionNeedsAttention = defineMessage(
  'TransactionNeedsAttention',
  1,
  TransactionSummarySchema,
);
export type TransactionNeedsAttentionMessage = MessageOf<typeof TransactionNeedsAttention>;
export type TransactionAcceptedMessage = MessageOf<typeof TransactionAccepted>;
export type TransactionCompletedMessage = MessageOf<typeof TransactionCompleted>;
export type TransactionFailedMessage = MessageOf<typeof TransactionFailed>;

/**
 * A request that reused a transaction's idempotency key with different terms. It names the transaction
 * but does not change it: read models ignore it; the gateway answers the waiting caller with 409.
 */
export const TransactionRequestRejected = defineMessage(
  'TransactionRequestRejected',
  1,
  z.strictObject({
    transactionId: UuidSchema,
    requestHash: RequestHashSchema,
    code: z.enum(ERROR_CODES),
    detail: z.string().max(1000),
  }),
);
export type TransactionRequestRejectedMessage = MessageOf<typeof TransactionRequestRejected>;

/**
 * A repeat of a request the orchestrator already has (the same idempotency key and the same terms): the
 * transaction as it stands now, so the caller that repeated it gets its answer without anyone reading
 * the read side. It names the transaction but does not change it: read models ignore it.
 */
export const TransactionRequestReplayed = defineMessage(
  'TransactionRequestReplayed',
  1,
  z.strictObject({
    requestHash: RequestHashSchema,
    transaction: TransactionSummarySchema,
  }),
);
export type TransactionRequestReplayedMessage = MessageOf<typeof TransactionRequestReplayed>;

/** What a provider was asked to do for a transaction. */
export const ProviderOperationSchema = z.enum(['pay_bill', 'payout', 'collect', 'void']);
export type ProviderOperation = z.infer<typeof ProviderOperationSchema>;

/**
 * How one provider attempt ended: `accepted` (it paid, collected or, for a void, had already paid),
 * `refused` (a recorded refusal, with its code), `voided` (a void it confirmed), `unavailable` (a 5xx, an
 * unclear answer or an unreachable provider: not a refusal) or `timed_out` (no answer in time).
 */
export const ProviderOutcomeSchema = z.enum(['accepted', 'refused', 'voided', 'unavailable', 'timed_out']);
export type ProviderOutcome = z.infer<typeof ProviderOutcomeSchema>;

/**
 * One attempt at an external provider, recorded with the saga's step that took its outcome in, so the
 * read side can show each call on the transaction's timeline. `providerReference` is the provider's own
 * reference (a purchase's reference, a payout or collection id) when it gave one; the request's reference
 * is always the transaction id. Changes no balance and no status: the transaction events say that.
 */
export const TransactionProviderStepRecorded = defineMessage(
  'TransactionProviderStepRecorded',
  1,
  z.strictObject({
    transactionId: UuidSchema,
    provider: ProviderNameSchema,
    operation: ProviderOperationSchema,
    attempt: z.number().int().min(1).max(1000),
    outcome: ProviderOutcomeSchema,
    /** The refusal's code; null unless `outcome` is `refused`. */
    code: z.enum(ERROR_CODES).nullable(),
    detail: z.string().max(1000).nullable(),
    providerReference: z.string().max(128).nullable(),
    at: z.iso.datetime({ offset: true }),
  }),
);
export type TransactionProviderStepRecordedMessage = MessageOf<typeof TransactionProviderStepRecorded>;
