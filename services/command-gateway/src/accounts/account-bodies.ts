import {
  AccountStatusSchema,
  AccountTypeSchema,
  MetadataSchema,
  OwnerIdSchema,
  OwnerTypeSchema,
} from '@billing/contracts/messages/accounts';
import { IdempotencyKeySchema } from '@billing/contracts/messages/transactions';
import { CurrencyCodeSchema, findSeededCurrency } from '@billing/contracts/money';
import { z } from 'zod';

/** The bodies the account routes parse; the OpenAPI document's request schemas are these. */

export const OpenAccountBodySchema = z.strictObject({
  ownerId: OwnerIdSchema,
  ownerType: OwnerTypeSchema,
  currency: CurrencyCodeSchema.refine((c) => findSeededCurrency(c) !== undefined, 'unknown currency'),
  type: AccountTypeSchema,
  metadata: MetadataSchema.optional(),
  idempotencyKey: IdempotencyKeySchema.optional(),
});

export const ChangeStatusBodySchema = z.strictObject({
  status: AccountStatusSchema,
  reason: z.string().max(500).optional(),
});
