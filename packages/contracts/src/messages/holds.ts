import { z } from 'zod';
import { defineMessage, type MessageOf } from '../envelope';
import { AmountSchema, CurrencyCodeSchema, SignedAmountSchema } from '../money';
import { UuidSchema } from '../uuid';
import { TransactionTypeSchema } from './ledger';

/** How long a hold may live before the ledger's sweep releases it. */
export const HOLD_TTL_MAX_MS = 7 * 24 * 3600 * 1000;

const step = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/);

/**
 * Reserves funds on an account: its available balance drops by the amount until the hold is captured,
 * released, or expires. Idempotent on holdId.
 */
export const PlaceHold = defineMessage(
  'PlaceHold',
  1,
  z.strictObject({
    commandId: UuidSchema,
    holdId: UuidSchema,
    transactionId: UuidSchema,
    transactionType: TransactionTypeSchema,
    accountId: UuidSchema,
    amount: AmountSchema,
    currency: CurrencyCodeSchema,
    expiresAt: z.iso.datetime({ offset: true }),
    /**
     * The account the capture will credit. When set, the ledger checks it at placement (exists, active,
     * same currency, a type the transaction may credit), before anything external happens, and a
     * capture must credit this account and no other.
     */
    creditAccountId: UuidSchema.nullable().default(null),
  }),
);
export type PlaceHoldMessage = MessageOf<typeof PlaceHold>;

/**
 * Turns a hold into a journal entry: debits the held account by `amount` (all of it when absent) and
 * credits `creditAccountId`; whatever is not captured is released. Idempotent on holdId.
 */
export const CaptureHold = defineMessage(
  'CaptureHold',
  1,
  z.strictObject({
    commandId: UuidSchema,
    holdId: UuidSchema,
    transactionId: UuidSchema,
    step,
    creditAccountId: UuidSchema,
    amount: AmountSchema.nullable(),
  }),
);
export type CaptureHoldMessage = MessageOf<typeof CaptureHold>;

export const ReleaseHold = defineMessage(
  'ReleaseHold',
  1,
  z.strictObject({
    commandId: UuidSchema,
    holdId: UuidSchema,
    transactionId: UuidSchema,
    reason: z.string().max(500).default(''),
  }),
);
export type ReleaseHoldMessage = MessageOf<typeof ReleaseHold>;

const holdFields = {
  holdId: UuidSchema,
  transactionId: UuidSchema,
  accountId: UuidSchema,
  currency: CurrencyCodeSchema,
  streamVersion: z.number().int().positive(),
  /** The account's balance minus its open holds, after this event. */
  availableAfter: SignedAmountSchema,
};

export const HoldPlaced = defineMessage(
  'HoldPlaced',
  1,
  z.strictObject({
    ...holdFields,
    commandId: UuidSchema,
    amount: AmountSchema,
    expiresAt: z.iso.datetime({ offset: true }),
    placedAt: z.iso.datetime({ offset: true }),
  }),
);
export type HoldPlacedMessage = MessageOf<typeof HoldPlaced>;

/** The capture's journal entry travels as an EntryPosted in the same transaction; this closes the hold. */
export const HoldCaptured = defineMessage(
  'HoldCaptured',
  1,
  z.strictObject({
    ...holdFields,
    commandId: UuidSchema,
    entryId: UuidSchema,
    capturedAmount: AmountSchema,
    releasedAmount: SignedAmountSchema,
    capturedAt: z.iso.datetime({ offset: true }),
  }),
);
export type HoldCapturedMessage = MessageOf<typeof HoldCaptured>;

export const HoldReleased = defineMessage(
  'HoldReleased',
  1,
  z.strictObject({
    ...holdFields,
    /** Null when the ledger's expiry sweep released it rather than a command. */
    commandId: UuidSchema.nullable(),
    amount: AmountSchema,
    reason: z.enum(['released', 'expired']),
    releasedAt: z.iso.datetime({ offset: true }),
  }),
);
export type HoldReleasedMessage = MessageOf<typeof HoldReleased>;
