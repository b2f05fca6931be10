import { z } from 'zod';
import { defineMessage, type MessageOf } from '../envelope';
import { ERROR_CODES } from '../errors';
import { AmountSchema, CurrencyCodeSchema, SignedAmountSchema } from '../money';
import { UuidSchema } from '../uuid';

export const TransactionTypeSchema = z.enum([
  'topup',
  'withdrawal',
  'transfer',
  'payment',
  'refund',
  'bill_payment',
]);
export type TransactionType = z.infer<typeof TransactionTypeSchema>;

export const PostingSideSchema = z.enum(['debit', 'credit']);

export const PostingSchema = z.strictObject({
  accountId: UuidSchema,
  side: PostingSideSchema,
  amount: AmountSchema,
});
export type Posting = z.infer<typeof PostingSchema>;

/**
 * Asks the ledger to post one journal entry. `transactionId` + `step` name the entry uniquely: a replay of
 * the command finds the entry already posted and answers again instead of posting twice.
 */
export const PostEntry = defineMessage(
  'PostEntry',
  1,
  z.strictObject({
    commandId: UuidSchema,
    transactionId: UuidSchema,
    transactionType: TransactionTypeSchema,
    step: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/),
    currency: CurrencyCodeSchema,
    postings: z.array(PostingSchema).min(2).max(16),
  }),
);
export type PostEntryMessage = MessageOf<typeof PostEntry>;

/**
 * Corrects a posted entry with its mirror image: every debit becomes a credit and the other way round.
 * Postings are never changed; the reversal is a new entry that names the one it reverses.
 */
export const ReverseEntry = defineMessage(
  'ReverseEntry',
  1,
  z.strictObject({
    commandId: UuidSchema,
    entryId: UuidSchema,
    transactionId: UuidSchema,
    step: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/),
    reason: z.string().max(500),
  }),
);
export type ReverseEntryMessage = MessageOf<typeof ReverseEntry>;

export const EntryPosted = defineMessage(
  'EntryPosted',
  1,
  z.strictObject({
    entryId: UuidSchema,
    commandId: UuidSchema,
    transactionId: UuidSchema,
    transactionType: TransactionTypeSchema,
    step: z.string(),
    currency: CurrencyCodeSchema,
    postings: z
      .array(
        PostingSchema.extend({
          balanceAfter: SignedAmountSchema,
          streamVersion: z.number().int().positive(),
        }),
      )
      .min(2),
    /** Set on a reversing entry: the entry it corrects. */
    reversesEntryId: UuidSchema.nullable().default(null),
    postedAt: z.iso.datetime({ offset: true }),
  }),
);
export type EntryPostedMessage = MessageOf<typeof EntryPosted>;

/** The one outcome of a command the ledger refused. `context` carries figures such as available funds. */
export const CommandRejected = defineMessage(
  'CommandRejected',
  1,
  z.strictObject({
    commandId: UuidSchema,
    commandType: z.string(),
    transactionId: UuidSchema.nullable(),
    accountId: UuidSchema.nullable(),
    code: z.enum(ERROR_CODES),
    detail: z.string().max(1000),
    context: z.record(z.string(), z.string()).default({}),
  }),
);
export type CommandRejectedMessage = MessageOf<typeof CommandRejected>;
