import type { TransactionSummary } from '@billing/contracts/messages/transactions';
import type {
  ActiveSaga,
  Decision,
  FailureReason,
  LedgerCommandData,
  MovementRequest,
  SagaState,
  TransactionEventType,
  WorkflowAction,
  WorkflowContext,
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
    state: { ...saga, status, summary, pendingCommandId: null, pendingCommand: null, attention: null },
    actions: [...extra, { kind: 'publish', event: FINAL_EVENTS[status], summary }, { kind: 'complete' }],
  };
}

/**
 * Marks a saga as needing a person: the reason is kept in its state and announced once with
 * TransactionNeedsAttention (status needs_attention, not final), so the read side and the alert metric
 * see it. Saying it again with the same code announces nothing new.
 */
export function escalate(
  saga: ActiveSaga,
  reason: FailureReason,
  at: string,
  extra: WorkflowAction[] = [],
): { state: ActiveSaga; actions: WorkflowAction[] } {
  const already = saga.attention?.code === reason.code;
  const state: ActiveSaga = { ...saga, attention: reason };
  if (already) return { state, actions: extra };
  const summary: TransactionSummary = { ...saga.summary, status: 'needs_attention', reason, updatedAt: at };
  return {
    state: { ...state, summary: { ...saga.summary, updatedAt: at } },
    actions: [...extra, { kind: 'publish', event: 'TransactionNeedsAttention', summary }],
  };
}

/** Exponential back-off for the n-th retry (n >= 1), capped. */
export function backoffMs(settings: WorkflowContext['settings'], attempt: number): number {
  return Math.min(settings.providerBackoffMaxMs, settings.providerBackoffMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * A request for a transaction id already taken: a retry when the terms match, answered with the
 * transaction as it stands (the caller learns it from the orchestrator, not the read side); a conflict
 * when not. Neither changes the saga.
 */
export function onRepeatedRequest(state: ActiveSaga, request: MovementRequest): Decision {
  if (state.requestHash === request.requestHash) {
    return {
      state,
      actions: [{ kind: 'replay-request', requestHash: request.requestHash, summary: currentSummary(state) }],
    };
  }
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

/**
 * What the read side shows for this saga: its final summary once it ended; while it runs, pending, or
 * needs_attention with the reason when a person was called (the summary kept in the state stays pending
 * then, see `escalate`).
 */
export function currentSummary(state: ActiveSaga): TransactionSummary {
  if (state.summary.status !== 'pending' || !state.attention) return state.summary;
  return { ...state.summary, status: 'needs_attention', reason: state.attention };
}

/** True when a ledger outcome answers the command this saga is waiting for. */
export function awaits(state: SagaState, commandId: string): state is ActiveSaga {
  return state.status !== 'absent' && state.pendingCommandId === commandId;
}

/**
 * Sends a ledger command and arms its deadline: the saga remembers the command, and a scheduled task
 * fires if no outcome arrived in time. Every workflow sends its ledger commands through here.
 */
export function sendWithDeadline(
  saga: ActiveSaga,
  command: LedgerCommandData,
  key: string,
  ctx: WorkflowContext,
): { state: ActiveSaga; actions: WorkflowAction[] } {
  const commandId = command.data.commandId;
  return {
    state: { ...saga, pendingCommandId: commandId, pendingCommand: command, resends: 0 },
    actions: [
      { kind: 'send', key, command, actor: saga.actor },
      { kind: 'schedule', task: 'deadline', commandId, attempt: 1, dueInMs: ctx.settings.stepDeadlineMs },
    ],
  };
}

/**
 * A ledger step passed its deadline without an outcome (a lost or dead-lettered message): send the same
 * command again. The ledger recognises a replay and answers it, so this can never apply twice. After the
 * last resend the saga stays waiting, visible as stuck, for a person to look at.
 */
export function onStepDeadline(state: SagaState, commandId: string, ctx: WorkflowContext): Decision {
  if (!awaits(state, commandId) || !state.pendingCommand)
    return ignore(state, 'deadline of a step already answered');
  const resends = (state.resends ?? 0) + 1;
  if (resends > ctx.settings.stepResendsMax)
    return ignore(state, `step ${commandId} still unanswered after ${resends - 1} resends`);
  return resendPending(state, state.pendingCommand, resends, ctx);
}

/**
 * Sends the pending ledger command again, unchanged (same command id, same step: the ledger answers a
 * replay with its recorded outcome, so money never moves twice), and re-arms its deadline for the n-th
 * resend. A step deadline and an operator's retry (which starts counting afresh at 0) both come here.
 */
export function resendPending(
  state: ActiveSaga,
  command: LedgerCommandData,
  resends: number,
  ctx: WorkflowContext,
): { state: ActiveSaga; actions: WorkflowAction[] } {
  return {
    state: { ...state, resends },
    actions: [
      { kind: 'send', key: state.summary.sourceAccountId, command, actor: state.actor },
      {
        kind: 'schedule',
        task: 'deadline',
        commandId: command.data.commandId,
        attempt: resends + 1,
        dueInMs: ctx.settings.stepDeadlineMs * 2 ** resends,
      },
    ],
  };
}
