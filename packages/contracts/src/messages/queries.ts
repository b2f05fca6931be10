import { z } from 'zod';
import { ActorSchema } from '../envelope';
import { ERROR_CODES } from '../errors';
import { CurrencyCodeSchema, SignedAmountSchema } from '../money';
import { UuidSchema } from '../uuid';
import {
  AccountStatusSchema,
  AccountTypeSchema,
  MetadataSchema,
  OwnerIdSchema,
  OwnerTypeSchema,
} from './accounts';
import { TransactionSummarySchema } from './transactions';

/**
 * Queries travel over Nest's Kafka request-reply. The request names the actor so the read side filters by
 * owner where the data lives; the reply is either data or a coded error.
 */
export const QueryRequestSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('GetAccount'), actor: ActorSchema, accountId: UuidSchema }),
  z.strictObject({ type: z.literal('GetAccountBalance'), actor: ActorSchema, accountId: UuidSchema }),
  z.strictObject({ type: z.literal('GetTransaction'), actor: ActorSchema, transactionId: UuidSchema }),
]);
export type QueryRequest = z.infer<typeof QueryRequestSchema>;
export type QueryType = QueryRequest['type'];

export const AccountViewSchema = z.strictObject({
  id: UuidSchema,
  ownerId: OwnerIdSchema,
  ownerType: OwnerTypeSchema,
  type: AccountTypeSchema,
  currency: CurrencyCodeSchema,
  status: AccountStatusSchema,
  balance: SignedAmountSchema,
  metadata: MetadataSchema,
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
});
export type AccountView = z.infer<typeof AccountViewSchema>;

export const BalanceViewSchema = z.strictObject({
  accountId: UuidSchema,
  balance: SignedAmountSchema,
  currency: CurrencyCodeSchema,
  status: AccountStatusSchema,
});
export type BalanceView = z.infer<typeof BalanceViewSchema>;

export const TransactionViewSchema = TransactionSummarySchema;
export type TransactionView = z.infer<typeof TransactionViewSchema>;

export const QueryErrorSchema = z.strictObject({
  ok: z.literal(false),
  code: z.enum(ERROR_CODES),
  detail: z.string(),
});

export const QueryReplySchemas = {
  GetAccount: z.union([z.strictObject({ ok: z.literal(true), data: AccountViewSchema }), QueryErrorSchema]),
  GetAccountBalance: z.union([
    z.strictObject({ ok: z.literal(true), data: BalanceViewSchema }),
    QueryErrorSchema,
  ]),
  GetTransaction: z.union([
    z.strictObject({ ok: z.literal(true), data: TransactionViewSchema }),
    QueryErrorSchema,
  ]),
} as const satisfies Record<QueryType, z.ZodType>;

export type QueryReply<T extends QueryType> = z.infer<(typeof QueryReplySchemas)[T]>;
