import type { Actor } from '@billing/contracts/envelope';
import type { ErrorCode } from '@billing/contracts/errors';
import type {
  CaptureHoldMessage,
  PlaceHoldMessage,
  ReleaseHoldMessage,
} from '@billing/contracts/messages/holds';
import type { PostEntryMessage, TransactionType } from '@billing/contracts/messages/ledger';
import type {
  OperatorActionRecord,
  TransactionActionRefusedMessage,
  TransactionActionReplayedMessage,
  TransactionInvestigationClearedMessage,
  TransactionInvestigationFlaggedMessage,
  TransactionStepRetriedMessage,
} from '@billing/contracts/messages/operations';
import type { InvestigationView } from '@billing/contracts/messages/queries';
import type { FundingSource, TransactionSummary } from '@billing/contracts/messages/transactions';

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
  /** An owner's top-up: where the funding provider collects from. Null for every other request. */
  funding: FundingSource | null;
  /**
   * A request the orchestrator refuses before anything is held or called (an owner naming a top-up's
   * source, an unknown provider or currency, a refund of no completed payment), with the reason.
   */
  refusal?: FailureReason | null;
  /** False when the orchestrator chose the source (an owner's top-up from the funding provider). */
  sourceNamedByCaller?: boolean;
}

/** How a saga moves its money: one entry, a hold around a provider call, or a hold around a reservation. */
export type SagaFlow = 'single-entry' | 'hold-flow' | 'refund';

/** Which external provider a hold flow calls. */
export type ProviderKind = 'payout' | 'purchase' | 'collection';

export type SagaStatus =
  | 'posting'
  | 'holding'
  | 'calling-provider'
  | 'capturing'
  | 'releasing'
  /** Attempts ran out, or the hold vanished: the provider is asked to void before anything is released. */
  | 'voiding'
  /** Only a person (or a later retry) can settle it: see `attention`. Not final. */
  | 'needs_attention'
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
  /** The flow this saga runs; absent on sagas stored before flows were named (then: by type). */
  flow?: SagaFlow;
  provider?: ProviderKind | null;
  voidAttempts?: number;
  /** How many captures were refused so far; each retry uses a step of its own (capture, capture-2, ...). */
  captureAttempts?: number;
  /** The hold was released without our asking (the expiry sweep): nothing is reserved any more. */
  holdGone?: boolean;
  /** The provider confirmed it paid or collected: from here on the hold is only ever captured. */
  providerPaid?: boolean;
  /** A refund whose amount is reserved against its payment: given back if the refund does not complete. */
  refundReserved?: boolean;
  /** Why a person should look at this saga; set when it entered needs_attention. */
  attention?: FailureReason | null;
  /** An operator flagged the transaction for investigation (whatever its status); null once cleared. */
  investigation?: InvestigationView | null;
  /** The latest operator requests and what was done for each, so a repeat is answered, not redone. */
  operatorRequests?: OperatorActionRecord[];
}

export type SagaState = { status: 'absent' } | ActiveSaga;

export type RefundReservation = { reserved: true } | { reserved: false; code: ErrorCode; detail: string };

export type WorkflowInput =
  | { kind: 'requested'; request: MovementRequest; actor: Actor; at: string }
  | {
      kind: 'ledger-done';
      event: 'EntryPosted' | 'HoldPlaced' | 'HoldCaptured' | 'HoldReleased';
      commandId: string;
      at: string;
      /** A refund's reservation against its payment, made once its hold is placed (authorized). */
      refund?: RefundReservation;
    }
  /** The ledger's sweep released this saga's hold: nobody asked, and nothing is reserved any more. */
  | { kind: 'hold-expired'; holdId: string; at: string }
  | { kind: 'ledger-refused'; commandId: string; code: ErrorCode; detail: string; at: string }
  | { kind: 'provider-succeeded'; details: Record<string, string>; at: string }
  | { kind: 'provider-refused'; code: ErrorCode; detail: string; at: string }
  | { kind: 'provider-unavailable'; detail: string; at: string }
  /** The provider's answer to "void this reference": it will never complete, it already paid, or unknown. */
  | { kind: 'void-answered'; outcome: 'voided'; at: string }
  | { kind: 'void-answered'; outcome: 'paid'; details: Record<string, string>; at: string }
  | { kind: 'void-answered'; outcome: 'unknown'; detail: string; at: string }
  | { kind: 'capture-retry'; attempt: number; at: string }
  | { kind: 'step-deadline'; commandId: string; at: string }
  /** An operator's request: re-drive the step the saga waits on, or flag / clear an investigation. */
  | { kind: 'operator'; request: OperatorRequest; actor: Actor; at: string };

export type OperatorRequest = { transactionId: string; requestId: string; requestHash: string } & (
  { action: 'retry' } | { action: 'flag'; note: string } | { action: 'clear'; note: string | null }
);

/** What the saga announces about an operator's request, on the transaction events topic. */
export type OperatorEvent =
  | { type: 'TransactionStepRetried'; data: TransactionStepRetriedMessage['data'] }
  | { type: 'TransactionInvestigationFlagged'; data: TransactionInvestigationFlaggedMessage['data'] }
  | { type: 'TransactionInvestigationCleared'; data: TransactionInvestigationClearedMessage['data'] }
  | { type: 'TransactionActionRefused'; data: TransactionActionRefusedMessage['data'] }
  | { type: 'TransactionActionReplayed'; data: TransactionActionReplayedMessage['data'] };

export type LedgerCommandData =
  | { type: 'PostEntry'; data: PostEntryMessage['data'] }
  | { type: 'PlaceHold'; data: PlaceHoldMessage['data'] }
  | { type: 'CaptureHold'; data: CaptureHoldMessage['data'] }
  | { type: 'ReleaseHold'; data: ReleaseHoldMessage['data'] };

export type TransactionEventType =
  | 'TransactionAccepted'
  | 'TransactionCompleted'
  | 'TransactionFailed'
  | 'TransactionReversed'
  | 'TransactionNeedsAttention';

export type WorkflowAction =
  | { kind: 'send'; key: string; command: LedgerCommandData; actor: Actor }
  | { kind: 'publish'; event: TransactionEventType; summary: TransactionSummary }
  | { kind: 'schedule'; task: 'provider' | 'void' | 'capture-retry'; attempt: number; dueInMs: number }
  | { kind: 'schedule'; task: 'deadline'; commandId: string; attempt: number; dueInMs: number }
  | { kind: 'release-refund'; originalTransactionId: string; amount: string }
  | { kind: 'refuse-request'; transactionId: string; requestHash: string; code: ErrorCode; detail: string }
  | { kind: 'replay-request'; requestHash: string; summary: TransactionSummary }
  | { kind: 'operator-event'; event: OperatorEvent }
  /** A scheduled task of this saga that has not run yet is made due now (an operator's retry). */
  | { kind: 'expedite'; task: 'provider' | 'void' | 'capture-retry' }
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
  /** How often a provider is asked to void (after its attempts ran out) before a person is asked. */
  voidAttemptsMax: number;
  /** How often a refused capture is retried (with back-off) while the saga needs attention. */
  captureRetriesMax: number;
  /** Bill providers the orchestrator has settlement accounts for; others are refused before any hold. */
  billProviders: readonly string[];
  /** Currencies the providers settle in (settlement and funding accounts exist for these). */
  providerCurrencies: readonly string[];
  /** The funding provider that collects owners' top-ups. */
  fundingProvider: string;
}

export interface WorkflowContext {
  settings: WorkflowSettings;
  newId: () => string;
}
