import type { TransactionSummary } from '@billing/contracts/messages/transactions';
import type {
  ActiveSaga,
  Decision,
  FailureReason,
  MovementRequest,
  SagaState,
  TransactionEventType,
  WorkflowAction,
} from './types';

export function summaryOf(request: MovementRequest, at: string): TransactionSummary {
  return {
    transactionId: request.transactionId,
    type: request.type,
    status: 'pending',
    amount: request.amount,
    currency: request.currency,
    sourceAccountId: request.sourceAccountId,
    destinationAccountId: request.destinationAccountId,
    idempotencyKey: request.idempotencyKey,
    reason: null,
    originalTransactionId: request.originalTransactionId,
    details: request.details,
    createdAt: at,
    updatedAt: at,
  };
}

export function ignore(state: SagaState, reason: string): Decision {
  return { state, actions: [{ kind: 'ignore', reason }] };
}

const FINAL_EVENTS: Record<'completed' | 'failed' | 'reversed', TransactionEventType> = {
  completed: 'TransactionCompleted',
  failed: 'TransactionFailed',
  reversed: 'TransactionReversed',
};

/** Ends a saga: the final state, its event with amounts, parties and reason, and completion. */
export function finish(
  saga: ActiveSaga,
  status: 'completed' | 'failed' | 'reversed',
  reason: FailureReason | null,
  at: string,
  extra: WorkflowAction[] = [],
  details: Record<string, string> = {},
): Decision {
  const summary: TransactionSummary = {
    ...saga.summary,
    status,
    reason,
    details: { ...saga.summary.details, ...details },
    updatedAt: at,
  };
  return {
    state: { ...saga, status, summary, pendingCommandId: null },
    actions: [...extra, { kind: 'publish', event: FINAL_EVENTS[status], summary }, { kind: 'complete' }],
  };
}

/** A request for a transaction id already taken: a retry when the terms match, a conflict when not. */
export function onRepeatedRequest(state: ActiveSaga, request: MovementRequest): Decision {
  if (state.requestHash === request.requestHash) return ignore(state, 'duplicate request');
  return {
    state,
    actions: [
      {
        kind: 'refuse-request',
        transactionId: request.transactionId,
        requestHash: request.requestHash,
        code: 'IDEMPOTENCY.KEY_REUSED',
        detail: 'this idempotency key was used for a different request',
      },
    ],
  };
}

/** True when a ledger outcome answers the command this saga is waiting for. */
export function awaits(state: SagaState, commandId: string): state is ActiveSaga {
  return state.status !== 'absent' && state.pendingCommandId === commandId;
}
