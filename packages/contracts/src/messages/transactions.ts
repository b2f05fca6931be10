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

export const RequestTopUp = defineMessage(
  'RequestTopUp',
  1,
  z.strictObject({
    transactionId: UuidSchema,
    idempotencyKey: IdempotencyKeySchema,
    requestHash: RequestHashSchema,
    sourceAccountId: UuidSchema,
    destinationAccountId: UuidSchema,
    amount: AmountSchema,
    currency: CurrencyCodeSchema,
  }),
);
export type RequestTopUpMessage = MessageOf<typeof RequestTopUp>;

export const TransactionStatusSchema = z.enum(['pending', 'completed', 'failed']);
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
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
});
export type TransactionSummary = z.infer<typeof TransactionSummarySchema>;

export const TransactionAccepted = defineMessage('TransactionAccepted', 1, TransactionSummarySchema);
export const TransactionCompleted = defineMessage('TransactionCompleted', 1, TransactionSummarySchema);
export const TransactionFailed = defineMessage('TransactionFailed', 1, TransactionSummarySchema);
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
