import { createHash } from 'node:crypto';
import type { Actor } from '@billing/contracts/envelope';
import type { ErrorCode } from '@billing/contracts/errors';
import {
  InvestigationNoteSchema,
  OperatorActionRecordSchema,
  OperatorActionSchema,
  type OperatorAction,
  type OperatorActionRecord,
} from '@billing/contracts/messages/operations';
import { IdempotencyKeySchema } from '@billing/contracts/messages/transactions';
import { IDEMPOTENCY_NAMESPACE, UuidSchema, uuidv5 } from '@billing/contracts/uuid';
import { z } from 'zod';
import type { FollowedEvent } from '../kafka/outcomes';

/** The bodies of the operator routes; the OpenAPI document's request schemas are these. */

export const RetryStepBodySchema = z.strictObject({ idempotencyKey: IdempotencyKeySchema.optional() });

export const FlagInvestigationBodySchema = z.strictObject({
  note: InvestigationNoteSchema.describe('Why the transaction is flagged: what a colleague should look at.'),
  idempotencyKey: IdempotencyKeySchema.optional(),
});

export const ClearInvestigationBodySchema = z.strictObject({
  note: InvestigationNoteSchema.optional().describe('What was found, for the timeline.'),
  idempotencyKey: IdempotencyKeySchema.optional(),
});

/** 200 of an operator route: what the saga did (or did the first time, for a repeated key). */
export const OperatorActionResultSchema = z.strictObject({
  transactionId: UuidSchema,
  action: OperatorActionSchema,
  outcome: z.enum(['retried', 'flagged', 'cleared']),
  /** The step re-driven, for a retry: `PostEntry post`, `CaptureHold capture-2`, `provider attempt 3`... */
  step: z.string().nullable(),
  note: z.string().nullable(),
  actor: OperatorActionRecordSchema.shape.actor,
  at: z.iso.datetime({ offset: true }),
  /** True when this answers a repeat of an earlier request with the same key: nothing was done again. */
  replayed: z.boolean(),
});
export type OperatorActionResult = z.infer<typeof OperatorActionResultSchema>;

/** 202 of an operator route: the command was sent and will be decided; the timeline will show it. */
export const PendingOperatorActionSchema = z.strictObject({
  transactionId: UuidSchema,
  action: OperatorActionSchema,
  status: z.literal('pending'),
});

/**
 * The request id derives from (caller, key, transaction) as a transaction id does from (caller, key): a
 * retried HTTP request names the same operator request, which the saga answers with what it did.
 */
export function operatorRequestIdFor(actor: Actor, key: string, transactionId: string): string {
  return uuidv5(
    JSON.stringify(['operator', actor.kind, actor.id, key, transactionId]),
    IDEMPOTENCY_NAMESPACE,
  );
}

/** The terms of an operator request: the same key with other terms (another action or note) is a 409. */
export function operatorRequestHash(action: OperatorAction, note: string | null): string {
  return createHash('sha256').update(JSON.stringify({ action, note })).digest('hex');
}

export type OperatorAnswer =
  { kind: 'done'; result: OperatorActionResult } | { kind: 'refused'; code: ErrorCode; detail: string };

function fromRecord(transactionId: string, record: OperatorActionRecord): OperatorAnswer {
  if (record.outcome === 'refused')
    return { kind: 'refused', code: record.code ?? 'INTERNAL', detail: record.detail ?? 'refused' };
  return {
    kind: 'done',
    result: {
      transactionId,
      action: record.action,
      outcome: record.outcome,
      step: record.step,
      note: record.note,
      actor: record.actor,
      at: record.at,
      replayed: true,
    },
  };
}

/**
 * Recognises the saga's answer to one operator command among the transaction's events: the event the
 * command caused (step retried, flagged, cleared, or refused), or the replay of the same request id.
 */
export function operatorAnswer(commandId: string, requestId: string) {
  return (event: FollowedEvent): OperatorAnswer | undefined => {
    switch (event.type) {
      case 'TransactionActionReplayed':
        return event.data.record.requestId === requestId
          ? fromRecord(event.data.transactionId, event.data.record)
          : undefined;
      case 'TransactionActionRefused':
        return event.causationId === commandId
          ? { kind: 'refused', code: event.data.code, detail: event.data.detail }
          : undefined;
      case 'TransactionStepRetried':
        if (event.causationId !== commandId) return undefined;
        return {
          kind: 'done',
          result: {
            transactionId: event.data.transactionId,
            action: 'retry',
            outcome: 'retried',
            step: event.data.step,
            note: null,
            actor: event.data.requestedBy,
            at: event.data.at,
            replayed: false,
          },
        };
      case 'TransactionInvestigationFlagged':
        if (event.causationId !== commandId) return undefined;
        return {
          kind: 'done',
          result: {
            transactionId: event.data.transactionId,
            action: 'flag',
            outcome: 'flagged',
            step: null,
            note: event.data.note,
            actor: event.data.flaggedBy,
            at: event.data.flaggedAt,
            replayed: false,
          },
        };
      case 'TransactionInvestigationCleared':
        if (event.causationId !== commandId) return undefined;
        return {
          kind: 'done',
          result: {
            transactionId: event.data.transactionId,
            action: 'clear',
            outcome: 'cleared',
            step: null,
            note: event.data.note,
            actor: event.data.clearedBy,
            at: event.data.clearedAt,
            replayed: false,
          },
        };
      default:
        return undefined;
    }
  };
}
