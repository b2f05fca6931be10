import { z } from 'zod';
import { defineMessage, type MessageOf } from '../envelope';
import { CurrencyCodeSchema, SignedAmountSchema, amountPattern } from '../money';
import { UuidSchema } from '../uuid';

export const AccountTypeSchema = z.enum(['USER', 'EXTERNAL', 'SYSTEM']);
export type AccountType = z.infer<typeof AccountTypeSchema>;

export const AccountStatusSchema = z.enum(['active', 'suspended', 'closed']);
export type AccountStatus = z.infer<typeof AccountStatusSchema>;

export const OwnerIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:@-]{1,128}$/, 'ownerId must be 1-128 letters, digits or _.:@-');

export const OwnerTypeSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,31}$/, 'ownerType must be a lower-case word such as "user" or "merchant"');

/** Metadata is free-form but bounded: at most 20 keys, each value a short string. */
export const MetadataSchema = z
  .record(z.string().min(1).max(64), z.string().max(512))
  .refine((m) => Object.keys(m).length <= 20, 'metadata may hold at most 20 keys');

export const OpenAccount = defineMessage(
  'OpenAccount',
  1,
  z.strictObject({
    accountId: UuidSchema,
    ownerId: OwnerIdSchema,
    ownerType: OwnerTypeSchema,
    type: AccountTypeSchema,
    currency: CurrencyCodeSchema,
    metadata: MetadataSchema.default({}),
  }),
);
export type OpenAccountMessage = MessageOf<typeof OpenAccount>;

export const AccountOpened = defineMessage(
  'AccountOpened',
  1,
  z.strictObject({
    accountId: UuidSchema,
    ownerId: OwnerIdSchema,
    ownerType: OwnerTypeSchema,
    type: AccountTypeSchema,
    currency: CurrencyCodeSchema,
    status: AccountStatusSchema,
    balance: SignedAmountSchema,
    metadata: MetadataSchema,
    streamVersion: z.number().int().positive(),
    openedAt: z.iso.datetime({ offset: true }),
  }),
);
export type AccountOpenedMessage = MessageOf<typeof AccountOpened>;

/** A signed decimal limit, or null for no bound. */
export const LimitSchema = z
  .string()
  .regex(amountPattern({ signed: true }), 'a limit is a decimal string such as "-50.00"')
  .nullable();

export const ChangeAccountStatus = defineMessage(
  'ChangeAccountStatus',
  1,
  z.strictObject({
    accountId: UuidSchema,
    status: AccountStatusSchema,
    reason: z.string().max(500).default(''),
  }),
);
export type ChangeAccountStatusMessage = MessageOf<typeof ChangeAccountStatus>;

export const AccountStatusChanged = defineMessage(
  'AccountStatusChanged',
  1,
  z.strictObject({
    commandId: UuidSchema,
    accountId: UuidSchema,
    previousStatus: AccountStatusSchema,
    status: AccountStatusSchema,
    reason: z.string(),
    streamVersion: z.number().int().positive(),
    changedAt: z.iso.datetime({ offset: true }),
  }),
);
export type AccountStatusChangedMessage = MessageOf<typeof AccountStatusChanged>;

export const SetAccountLimits = defineMessage(
  'SetAccountLimits',
  1,
  z.strictObject({
    accountId: UuidSchema,
    minBalance: LimitSchema,
    maxBalance: LimitSchema,
  }),
);
export type SetAccountLimitsMessage = MessageOf<typeof SetAccountLimits>;

export const AccountLimitsChanged = defineMessage(
  'AccountLimitsChanged',
  1,
  z.strictObject({
    commandId: UuidSchema,
    accountId: UuidSchema,
    minBalance: LimitSchema,
    maxBalance: LimitSchema,
    streamVersion: z.number().int().positive(),
    changedAt: z.iso.datetime({ offset: true }),
  }),
);
export type AccountLimitsChangedMessage = MessageOf<typeof AccountLimitsChanged>;

export const CurrencyKindSchema = z.enum(['fiat', 'crypto', 'points']);

/** Admin only. Keyed by the currency code on the account commands topic. */
export const AddCurrency = defineMessage(
  'AddCurrency',
  1,
  z.strictObject({
    code: CurrencyCodeSchema,
    scale: z.number().int().min(0).max(18),
    kind: CurrencyKindSchema,
  }),
);
export type AddCurrencyMessage = MessageOf<typeof AddCurrency>;

export const CurrencyAdded = defineMessage(
  'CurrencyAdded',
  1,
  z.strictObject({
    commandId: UuidSchema,
    code: CurrencyCodeSchema,
    scale: z.number().int().min(0).max(18),
    kind: CurrencyKindSchema,
  }),
);
export type CurrencyAddedMessage = MessageOf<typeof CurrencyAdded>;
