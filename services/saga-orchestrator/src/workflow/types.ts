import type { Actor } from '@billing/contracts/envelope';
import type { ErrorCode } from '@billing/contracts/errors';
import type {
  CaptureHoldMessage,
  PlaceHoldMessage,
  ReleaseHoldMessage,
} from '@billing/contracts/messages/holds';
import type { PostEntryMessage, TransactionType } from '@billing/contracts/messages/ledger';
import type { TransactionSummary } from '@billing/contracts/messages/transactions';

/** What a client asked for, the same shape for every kind of movement. */
export interface MovementRequest {
  type: TransactionType;
  transactionId: string;
  idempotencyKey: string;
  requestHash: string;
  sourceAccountId: string;
  destinationAccountId: string;
  amount: string;
  currency: string;
  originalTransactionId: string | null;
  details: Record<string, string>;
}

export type SagaStatus =
  | 'posting'
  | 'holding'
  | 'calling-provider'
  | 'capturing'
  | 'releasing'
  | 'completed'
  | 'failed'
  | 'reversed';

export type FailureReason = NonNullable<TransactionSummary['reason']>;

/** A saga's persisted state. Every field is data; the workflow functions are pure over it. */
export interface ActiveSaga {
  status: SagaStatus;
  summary: TransactionSummary;
  requestHash: string;
  actor: Actor;
  /** The ledger command whose outcome the saga waits for; outcomes of other commands are ignored. */
  pendingCommandId: string | null;
  /** That command itself, kept so a step that passes its deadline can send it again unchanged. */
  pendingCommand?: LedgerCommandData | null;
  /** How often the pending command was sent again after its deadline passed. */
  resends?: number;
  holdId: string | null;
  providerAttempts: number;
  /** Why the saga is releasing its hold, carried into the final event. */
  releaseReason: FailureReason | null;
}

export type SagaState = { status: 'absent' } | ActiveSaga;

export type RefundReservation = { reserved: true } | { reserved: false; code: ErrorCode; detail: string };

export type WorkflowInput =
  | { kind: 'requested'; request: MovementRequest; actor: Actor; at: string; refund?: RefundReservation }
  | {
      kind: 'ledger-done';
      event: 'EntryPosted' | 'HoldPlaced' | 'HoldCaptured' | 'HoldReleased';
      commandId: string;
      at: string;
    }
  | { kind: 'ledger-refused'; commandId: string; code: ErrorCode; detail: string; at: string }
  | { kind: 'provider-succeeded'; details: Record<string, string>; at: string }
  | { kind: 'provider-refused'; code: ErrorCode; detail: string; at: string }
  | { kind: 'provider-unavailable'; detail: string; at: string }
  | { kind: 'step-deadline'; commandId: string; at: string };

export type LedgerCommandData =
  | { type: 'PostEntry'; data: PostEntryMessage['data'] }
  | { type: 'PlaceHold'; data: PlaceHoldMessage['data'] }
  | { type: 'CaptureHold'; data: CaptureHoldMessage['data'] }
  | { type: 'ReleaseHold'; data: ReleaseHoldMessage['data'] };

export type TransactionEventType =
  'TransactionAccepted' | 'TransactionCompleted' | 'TransactionFailed' | 'TransactionReversed';

export type WorkflowAction =
  | { kind: 'send'; key: string; command: LedgerCommandData; actor: Actor }
  | { kind: 'publish'; event: TransactionEventType; summary: TransactionSummary }
  | { kind: 'schedule'; task: 'provider'; attempt: number; dueInMs: number }
  | { kind: 'schedule'; task: 'deadline'; commandId: string; attempt: number; dueInMs: number }
  | { kind: 'release-refund'; originalTransactionId: string; amount: string }
  | { kind: 'refuse-request'; transactionId: string; requestHash: string; code: ErrorCode; detail: string }
  | { kind: 'complete' }
  | { kind: 'ignore'; reason: string };

export interface Decision {
  state: SagaState;
  actions: WorkflowAction[];
}

/** Limits and clock-free settings a workflow needs, passed in so the functions stay pure. */
export interface WorkflowSettings {
  holdTtlMs: number;
  /** How long a ledger step may take before its command is sent again, doubling per resend. */
  stepDeadlineMs: number;
  stepResendsMax: number;
  providerAttemptsMax: number;
  providerBackoffMs: number;
  providerBackoffMaxMs: number;
}

export interface WorkflowContext {
  settings: WorkflowSettings;
  newId: () => string;
}
