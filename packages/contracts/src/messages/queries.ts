import { z } from 'zod';
import { ActorSchema } from '../envelope';
import { ERROR_CODES } from '../errors';
import { AmountSchema, CurrencyCodeSchema, SignedAmountSchema } from '../money';
import { UuidSchema } from '../uuid';
import {
  AccountStatusSchema,
  AccountTypeSchema,
  CurrencyKindSchema,
  LimitSchema,
  MetadataSchema,
  OwnerIdSchema,
  OwnerTypeSchema,
} from './accounts';
import { DeadLetterIdSchema, ReplayingServiceSchema } from './dead-letters';
import { PostingSideSchema, TransactionTypeSchema } from './ledger';
import {
  ProviderNameSchema,
  ProviderOperationSchema,
  ProviderOutcomeSchema,
  TransactionStatusSchema,
  TransactionSummarySchema,
} from './transactions';

/** Pages of lists are bounded: a client asks for at most this many items at once. */
export const PAGE_LIMIT_MAX = 200;
export const PAGE_LIMIT_DEFAULT = 50;
/** A statement longer than this is cut off and says so; a narrower range gives the rest. */
export const STATEMENT_LINES_MAX = 1000;
/** An account view lists at most this many of its open holds (the count and the sum cover all of them). */
export const OPEN_HOLDS_LISTED_MAX = 50;
/** A transaction lists at most this many of its refunds (the sums cover all of them). */
export const REFUNDS_LISTED_MAX = 100;
/** The activity report covers at most this many minutes back from now. */
export const ACTIVITY_MINUTES_MAX = 24 * 60;
/** A transaction's timeline lists at most this many ledger postings and holds. */
export const TIMELINE_ENTRIES_MAX = 200;
export const TIMELINE_HOLDS_MAX = 20;
/** A dead letter's view lists at most this many of its replays, newest first. */
export const DEAD_LETTER_REPLAYS_LISTED_MAX = 20;

const Timestamp = z.iso.datetime({ offset: true });

/**
 * not_replayed: nobody asked yet; requested: asked, no answer yet (a request can be repeated: the
 * service's inbox makes a second one harmless); replayed: the handler took it; failed: refused again.
 */
export const DeadLetterReplayStateSchema = z.enum(['not_replayed', 'requested', 'replayed', 'failed']);
export type DeadLetterReplayState = z.infer<typeof DeadLetterReplayStateSchema>;

const Limit = z.number().int().min(1).max(PAGE_LIMIT_MAX);
/** Opaque to clients; the read side encodes the position of the last item it returned. */
export const CursorSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,512}$/, 'cursor must be the nextCursor of an earlier page');

/** true: only transactions flagged for investigation; false: only unflagged ones; null: all. */
const FlaggedFilter = z.boolean().nullable().default(null);

/**
 * Queries travel over Nest's Kafka request-reply. The request names the actor so the read side filters by
 * owner where the data lives; the reply is either data or a coded error.
 */
export const QueryRequestSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('GetAccount'), actor: ActorSchema, accountId: UuidSchema }),
  z.strictObject({ type: z.literal('GetAccountBalance'), actor: ActorSchema, accountId: UuidSchema }),
  z.strictObject({ type: z.literal('GetTransaction'), actor: ActorSchema, transactionId: UuidSchema }),
  z.strictObject({
    type: z.literal('ListAccounts'),
    actor: ActorSchema,
    ownerId: OwnerIdSchema,
    limit: Limit,
    cursor: CursorSchema.nullable(),
  }),
  z.strictObject({
    type: z.literal('ListAccountTransactions'),
    actor: ActorSchema,
    accountId: UuidSchema,
    transactionType: TransactionTypeSchema.nullable(),
    status: TransactionStatusSchema.nullable(),
    from: Timestamp.nullable(),
    to: Timestamp.nullable(),
    limit: Limit,
    cursor: CursorSchema.nullable(),
  }),
  z.strictObject({
    type: z.literal('GetStatement'),
    actor: ActorSchema,
    accountId: UuidSchema,
    from: Timestamp.nullable(),
    to: Timestamp.nullable(),
  }),
  z.strictObject({ type: z.literal('GetTrialBalance'), actor: ActorSchema }),
  z.strictObject({
    type: z.literal('ListStuckTransactions'),
    actor: ActorSchema,
    limit: Limit,
    cursor: CursorSchema.nullable(),
    flagged: FlaggedFilter,
  }),
  z.strictObject({ type: z.literal('ListCurrencies'), actor: ActorSchema }),
  /** Transactions in needs_attention (their saga could not finish on its own), oldest first. Admins. */
  z.strictObject({
    type: z.literal('ListTransactionsNeedingAttention'),
    actor: ActorSchema,
    limit: Limit,
    cursor: CursorSchema.nullable(),
    flagged: FlaggedFilter,
  }),
  /** Transactions started per minute by their status now, and how long completed ones took. Admins. */
  z.strictObject({
    type: z.literal('GetTransactionActivity'),
    actor: ActorSchema,
    minutes: z.number().int().min(1).max(ACTIVITY_MINUTES_MAX),
  }),
  /** What happened to one transaction, in order: its holds and ledger postings with their times. */
  z.strictObject({
    type: z.literal('GetTransactionTimeline'),
    actor: ActorSchema,
    transactionId: UuidSchema,
  }),
  /** The dead letters the read side has seen, newest first, optionally filtered. Admins only. */
  z.strictObject({
    type: z.literal('ListDeadLetters'),
    actor: ActorSchema,
    consumerGroup: z.string().min(1).max(249).nullable(),
    errorCode: z.string().min(1).max(100).nullable(),
    originalTopic: z.string().min(1).max(249).nullable(),
    replayState: DeadLetterReplayStateSchema.nullable(),
    limit: Limit,
    cursor: CursorSchema.nullable(),
  }),
  z.strictObject({ type: z.literal('GetDeadLetter'), actor: ActorSchema, deadLetterId: DeadLetterIdSchema }),
]);
export type QueryRequest = z.infer<typeof QueryRequestSchema>;
export type QueryType = QueryRequest['type'];

export const OpenHoldViewSchema = z.strictObject({
  holdId: UuidSchema,
  transactionId: UuidSchema,
  amount: AmountSchema,
  expiresAt: Timestamp,
  placedAt: Timestamp,
});

export const AccountViewSchema = z.strictObject({
  id: UuidSchema,
  ownerId: OwnerIdSchema,
  ownerType: OwnerTypeSchema,
  type: AccountTypeSchema,
  currency: CurrencyCodeSchema,
  status: AccountStatusSchema,
  balance: SignedAmountSchema,
  /** balance - heldAmount: what the account may still spend. */
  availableBalance: SignedAmountSchema,
  heldAmount: SignedAmountSchema,
  openHoldCount: z.number().int().min(0),
  openHolds: z.array(OpenHoldViewSchema).max(OPEN_HOLDS_LISTED_MAX),
  limits: z.strictObject({ minBalance: LimitSchema, maxBalance: LimitSchema }),
  metadata: MetadataSchema,
  /** The account's stream version this view reflects: every event up to it, none after it. */
  version: z.number().int().positive(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type AccountView = z.infer<typeof AccountViewSchema>;

export const BalanceViewSchema = z.strictObject({
  accountId: UuidSchema,
  balance: SignedAmountSchema,
  availableBalance: SignedAmountSchema,
  currency: CurrencyCodeSchema,
  status: AccountStatusSchema,
});
export type BalanceView = z.infer<typeof BalanceViewSchema>;

/** The transaction as its events describe it; list items have this shape. */
export const TransactionViewSchema = TransactionSummarySchema;
export type TransactionView = z.infer<typeof TransactionViewSchema>;

export const RefundViewSchema = z.strictObject({
  transactionId: UuidSchema,
  status: TransactionStatusSchema,
  amount: AmountSchema,
  createdAt: Timestamp,
});

/** A transaction an operator flagged for investigation: why, who, when. Null when it is not flagged. */
export const InvestigationViewSchema = z.strictObject({
  note: z.string().max(500),
  flaggedBy: ActorSchema,
  flaggedAt: Timestamp,
});
export type InvestigationView = z.infer<typeof InvestigationViewSchema>;

/** One transaction with what the read side knows around it: its refunds and what is left to refund. */
export const TransactionDetailsSchema = TransactionSummarySchema.extend({
  investigation: InvestigationViewSchema.nullable().default(null),
  /** When it reached a final status; null while pending. */
  finishedAt: Timestamp.nullable(),
  refunds: z.array(RefundViewSchema).max(REFUNDS_LISTED_MAX),
  /** Completed refunds; null for a transaction that is not refundable (anything but a payment). */
  refundedAmount: SignedAmountSchema.nullable(),
  /** amount - completed - pending refunds, for a completed payment; null otherwise. */
  refundableAmount: SignedAmountSchema.nullable(),
});
export type TransactionDetails = z.infer<typeof TransactionDetailsSchema>;

export const StatementLineSchema = z.strictObject({
  version: z.number().int().positive(),
  entryId: UuidSchema,
  transactionId: UuidSchema,
  transactionType: TransactionTypeSchema,
  step: z.string(),
  side: PostingSideSchema,
  amount: AmountSchema,
  /** The running balance: the account's balance right after this line. */
  balanceAfter: SignedAmountSchema,
  reversesEntryId: UuidSchema.nullable(),
  postedAt: Timestamp,
});
export type StatementLine = z.infer<typeof StatementLineSchema>;

export const StatementSchema = z.strictObject({
  accountId: UuidSchema,
  currency: CurrencyCodeSchema,
  from: Timestamp.nullable(),
  to: Timestamp,
  openingBalance: SignedAmountSchema,
  closingBalance: SignedAmountSchema,
  lines: z.array(StatementLineSchema).max(STATEMENT_LINES_MAX),
  /** True when the range holds more than STATEMENT_LINES_MAX lines; the balances still cover all. */
  truncated: z.boolean(),
});
export type Statement = z.infer<typeof StatementSchema>;

const page = <T extends z.ZodType>(item: T) =>
  z.strictObject({ items: z.array(item).max(PAGE_LIMIT_MAX), nextCursor: CursorSchema.nullable() });

/** A transaction in an operator's queue (stuck, or needing attention), with its investigation flag. */
export const QueuedTransactionSchema = TransactionSummarySchema.extend({
  investigation: InvestigationViewSchema.nullable().default(null),
});

export const StuckTransactionSchema = QueuedTransactionSchema.extend({
  /** createdAt plus the read side's stuck threshold: when the transaction should have finished. */
  deadlineAt: Timestamp,
});

export const TrialBalanceSchema = z.strictObject({
  currencies: z.array(
    z.strictObject({
      currency: CurrencyCodeSchema,
      debits: SignedAmountSchema,
      credits: SignedAmountSchema,
      /** debits - credits: zero for a ledger whose every posting the read side has applied. */
      net: SignedAmountSchema,
    }),
  ),
});
export type TrialBalance = z.infer<typeof TrialBalanceSchema>;

export const CurrencyListSchema = z.strictObject({
  currencies: z.array(
    z.strictObject({ code: CurrencyCodeSchema, scale: z.number().int(), kind: CurrencyKindSchema }),
  ),
});

const Count = z.number().int().min(0);

export const TransactionActivitySchema = z.strictObject({
  /** The window: [from, to), whole minutes, to being the start of the minute after now. */
  from: Timestamp,
  to: Timestamp,
  /** One bucket per minute of the window, oldest first, counting the transactions created in it by status. */
  perMinute: z.array(
    z.strictObject({
      minute: Timestamp,
      created: Count,
      completed: Count,
      failed: Count,
      reversed: Count,
      pending: Count,
      needsAttention: Count,
    }),
  ),
  /** Milliseconds from creation to completion of the transactions that completed in the window. */
  latencyMs: z.strictObject({
    count: Count,
    p50: z.number().int().nullable(),
    p95: z.number().int().nullable(),
    max: z.number().int().nullable(),
  }),
  /** Pending now, over the whole ledger; stuck ones are pending past stuckAfterMs. */
  pending: Count,
  stuck: Count,
  needsAttention: Count,
  stuckAfterMs: z.number().int(),
});
export type TransactionActivity = z.infer<typeof TransactionActivitySchema>;

/**
 * One provider attempt on the timeline. `reference` is the provider's own reference when it gave one;
 * `detail` (the provider's or the network's wording) is shown to admins only and null for owners.
 */
export const TimelineProviderCallSchema = z.strictObject({
  name: ProviderNameSchema,
  operation: ProviderOperationSchema,
  attempt: z.number().int().min(1),
  outcome: ProviderOutcomeSchema,
  code: z.enum(ERROR_CODES).nullable(),
  reference: z.string().max(128).nullable(),
  detail: z.string().max(1000).nullable(),
});
export type TimelineProviderCall = z.infer<typeof TimelineProviderCallSchema>;

export const TimelineStepSchema = z.strictObject({
  at: Timestamp,
  kind: z.enum([
    'created',
    'hold_placed',
    'hold_captured',
    'hold_released',
    'hold_expired',
    'posting',
    'finished',
    'step_retried',
    'investigation_flagged',
    'investigation_cleared',
    'provider_step',
  ]),
  /**
   * The ledger step (e.g. `capture`) of a posting, the final status of `finished`, the step re-driven of
   * `step_retried`, the operation and outcome of a `provider_step` (e.g. `pay_bill attempt 1: accepted`).
   */
  label: z.string(),
  accountId: UuidSchema.nullable(),
  amount: AmountSchema.nullable(),
  side: PostingSideSchema.nullable(),
  /** Who took an operator's action (retried, flagged, cleared); null for the others. */
  actor: ActorSchema.nullable().default(null),
  /** The investigation note of a flag or clear; null for the others. */
  note: z.string().max(500).nullable().default(null),
  /** What a provider was asked and answered, for a `provider_step`; null for the others. */
  provider: TimelineProviderCallSchema.nullable().default(null),
});
export type TimelineStep = z.infer<typeof TimelineStepSchema>;

export const TimelineEntrySchema = StatementLineSchema.omit({
  transactionId: true,
  transactionType: true,
}).extend({ accountId: UuidSchema });

export const TimelineHoldSchema = z.strictObject({
  holdId: UuidSchema,
  accountId: UuidSchema,
  amount: AmountSchema,
  status: z.string(),
  capturedAmount: AmountSchema.nullable(),
  placedAt: Timestamp,
  expiresAt: Timestamp,
  closedAt: Timestamp.nullable(),
});

/** A transaction's history as the read side saw it: the steps in time order, the postings and the holds. */
export const TransactionTimelineSchema = z.strictObject({
  transactionId: UuidSchema,
  status: TransactionStatusSchema,
  steps: z.array(TimelineStepSchema),
  entries: z.array(TimelineEntrySchema).max(TIMELINE_ENTRIES_MAX),
  holds: z.array(TimelineHoldSchema).max(TIMELINE_HOLDS_MAX),
});
export type TransactionTimeline = z.infer<typeof TransactionTimelineSchema>;

export const DeadLetterReplaySchema = z.strictObject({
  replayId: UuidSchema,
  requestedAt: Timestamp.nullable(),
  requestedBy: z.string().nullable(),
  outcome: z.enum(['replayed', 'failed']).nullable(),
  completedAt: Timestamp.nullable(),
  code: z.enum(ERROR_CODES).nullable(),
  detail: z.string().nullable(),
});
export type DeadLetterReplay = z.infer<typeof DeadLetterReplaySchema>;

export const DeadLetterSummarySchema = z.strictObject({
  id: DeadLetterIdSchema,
  deadLetteredAt: Timestamp,
  originalTopic: z.string().nullable(),
  originalPartition: z.number().int().nullable(),
  originalOffset: z.string().nullable(),
  consumerGroup: z.string().nullable(),
  messageType: z.string().nullable(),
  messageId: z.string().nullable(),
  /** A dlq-error-code header: one of the platform's codes, kept as written. */
  errorCode: z.string().nullable(),
  errorDetail: z.string().nullable(),
  key: z.string().nullable(),
  replayState: DeadLetterReplayStateSchema,
  /** The service that would replay it, or null when none can (then replayRefusal says why). */
  replayService: ReplayingServiceSchema.nullable(),
  replayRefusal: z.string().nullable(),
  lastReplay: DeadLetterReplaySchema.nullable(),
});
export type DeadLetterSummary = z.infer<typeof DeadLetterSummarySchema>;

export const DeadLetterDetailsSchema = DeadLetterSummarySchema.extend({
  /** The original message as it was refused (not necessarily JSON: that may be why it was refused). */
  value: z.string().nullable(),
  headers: z.record(z.string(), z.string()),
  replays: z.array(DeadLetterReplaySchema).max(DEAD_LETTER_REPLAYS_LISTED_MAX),
});
export type DeadLetterDetails = z.infer<typeof DeadLetterDetailsSchema>;

export const QueryErrorSchema = z.strictObject({
  ok: z.literal(false),
  code: z.enum(ERROR_CODES),
  detail: z.string(),
});

const reply = <T extends z.ZodType>(data: T) =>
  z.union([z.strictObject({ ok: z.literal(true), data }), QueryErrorSchema]);

export const QueryReplySchemas = {
  GetAccount: reply(AccountViewSchema),
  GetAccountBalance: reply(BalanceViewSchema),
  GetTransaction: reply(TransactionDetailsSchema),
  ListAccounts: reply(page(AccountViewSchema)),
  ListAccountTransactions: reply(page(TransactionViewSchema)),
  GetStatement: reply(StatementSchema),
  GetTrialBalance: reply(TrialBalanceSchema),
  ListStuckTransactions: reply(page(StuckTransactionSchema).extend({ stuckAfterMs: z.number().int() })),
  ListCurrencies: reply(CurrencyListSchema),
  ListTransactionsNeedingAttention: reply(page(QueuedTransactionSchema)),
  GetTransactionActivity: reply(TransactionActivitySchema),
  GetTransactionTimeline: reply(TransactionTimelineSchema),
  ListDeadLetters: reply(page(DeadLetterSummarySchema)),
  GetDeadLetter: reply(DeadLetterDetailsSchema),
} as const satisfies Record<QueryType, z.ZodType>;

export type QueryReply<T extends QueryType> = z.infer<(typeof QueryReplySchemas)[T]>;
