import { z } from 'zod';
import { ActorSchema, defineMessage, type MessageOf } from '../envelope';
import { ERROR_CODES } from '../errors';
import { UuidSchema } from '../uuid';
import { RequestHashSchema, TransactionStatusSchema } from './transactions';

/**
 * What an operator may do to a running or finished transaction, decided by its saga: re-drive the step it
 * waits on, and flag it for investigation (or clear the flag). Commands travel on the transaction
 * commands topic keyed by the transaction, so they are ordered with everything else its saga decides.
 */
export const OperatorActionSchema = z.enum(['retry', 'flag', 'clear']);
export type OperatorAction = z.infer<typeof OperatorActionSchema>;

export const InvestigationNoteSchema = z
  .string()
  .max(500, 'note must be at most 500 characters')
  .regex(/\S/, 'note must not be blank');

const Timestamp = z.iso.datetime({ offset: true });

const operatorFields = {
  transactionId: UuidSchema,
  /**
   * Names the operator's request (derived from the admin and its idempotency key): a repeat is answered
   * with what the first one did and never acted on twice.
   */
  requestId: UuidSchema,
  /** sha256 of the request's terms: the same request id with other terms is a conflict. */
  requestHash: RequestHashSchema,
};

/** Re-drive the step the saga waits on: the same ledger command again, or the scheduled provider call now. */
export const RetryTransactionStep = defineMessage('RetryTransactionStep', 1, z.strictObject(operatorFields));
export type RetryTransactionStepMessage = MessageOf<typeof RetryTransactionStep>;

/** Marks the transaction for a person to investigate, with why. Flagging a flagged one replaces the note. */
export const FlagTransactionForInvestigation = defineMessage(
  'FlagTransactionForInvestigation',
  1,
  z.strictObject({ ...operatorFields, note: InvestigationNoteSchema }),
);
export type FlagTransactionForInvestigationMessage = MessageOf<typeof FlagTransactionForInvestigation>;

/** Takes the investigation flag off, optionally saying what was found. */
export const ClearTransactionInvestigation = defineMessage(
  'ClearTransactionInvestigation',
  1,
  z.strictObject({ ...operatorFields, note: InvestigationNoteSchema.nullable().default(null) }),
);
export type ClearTransactionInvestigationMessage = MessageOf<typeof ClearTransactionInvestigation>;

/**
 * The saga re-drove its step at an operator's request. `step` says which (`PlaceHold`, `CaptureHold
 * capture-2`, `provider attempt 3`, ...); `commandId` is the ledger command sent again under its own id,
 * so the ledger answers it as a replay if it was applied already, or null for a provider call.
 */
export const TransactionStepRetried = defineMessage(
  'TransactionStepRetried',
  1,
  z.strictObject({
    transactionId: UuidSchema,
    requestId: UuidSchema,
    step: z.string().min(1).max(64),
    commandId: UuidSchema.nullable(),
    /** What the transaction shows meanwhile: pending, or needs_attention. */
    status: TransactionStatusSchema,
    requestedBy: ActorSchema,
    at: Timestamp,
  }),
);
export type TransactionStepRetriedMessage = MessageOf<typeof TransactionStepRetried>;

export const TransactionInvestigationFlagged = defineMessage(
  'TransactionInvestigationFlagged',
  1,
  z.strictObject({
    transactionId: UuidSchema,
    requestId: UuidSchema,
    note: InvestigationNoteSchema,
    flaggedBy: ActorSchema,
    flaggedAt: Timestamp,
  }),
);
export type TransactionInvestigationFlaggedMessage = MessageOf<typeof TransactionInvestigationFlagged>;

export const TransactionInvestigationCleared = defineMessage(
  'TransactionInvestigationCleared',
  1,
  z.strictObject({
    transactionId: UuidSchema,
    requestId: UuidSchema,
    note: InvestigationNoteSchema.nullable(),
    clearedBy: ActorSchema,
    clearedAt: Timestamp,
  }),
);
export type TransactionInvestigationClearedMessage = MessageOf<typeof TransactionInvestigationCleared>;

/**
 * An operator's request the saga did not carry out, with a stable code: `TRANSACTION.NOT_FOUND` (no such
 * saga), `TRANSACTION.NOT_RETRYABLE` (finished, or waiting on nothing a retry can re-drive),
 * `INVESTIGATION.NOT_FLAGGED`, `AUTH.FORBIDDEN`, `IDEMPOTENCY.KEY_REUSED`. Changes nothing: read models
 * ignore it; the waiting gateway request turns it into a problem document.
 */
export const TransactionActionRefused = defineMessage(
  'TransactionActionRefused',
  1,
  z.strictObject({
    transactionId: UuidSchema,
    requestId: UuidSchema,
    requestHash: RequestHashSchema,
    action: OperatorActionSchema,
    code: z.enum(ERROR_CODES),
    detail: z.string().max(1000),
  }),
);
export type TransactionActionRefusedMessage = MessageOf<typeof TransactionActionRefused>;

/** What the saga did for one operator request, kept in its state so that a repeat gets the same answer. */
export const OperatorActionRecordSchema = z.strictObject({
  requestId: UuidSchema,
  requestHash: RequestHashSchema,
  action: OperatorActionSchema,
  outcome: z.enum(['retried', 'flagged', 'cleared', 'refused']),
  /** The step re-driven (retried), or null. */
  step: z.string().max(64).nullable(),
  note: InvestigationNoteSchema.nullable(),
  /** The refusal's code and detail (refused), or null. */
  code: z.enum(ERROR_CODES).nullable(),
  detail: z.string().max(1000).nullable(),
  actor: ActorSchema,
  at: Timestamp,
});
export type OperatorActionRecord = z.infer<typeof OperatorActionRecordSchema>;

/**
 * A repeat of an operator request the saga already decided (same request id and terms): what it did the
 * first time, and nothing done again. Read models ignore it.
 */
export const TransactionActionReplayed = defineMessage(
  'TransactionActionReplayed',
  1,
  z.strictObject({ transactionId: UuidSchema, record: OperatorActionRecordSchema }),
);
export type TransactionActionReplayedMessage = MessageOf<typeof TransactionActionReplayed>;
