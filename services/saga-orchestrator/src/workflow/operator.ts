import type { Actor } from '@billing/contracts/envelope';
import type { ErrorCode } from '@billing/contracts/errors';
import type { OperatorActionRecord } from '@billing/contracts/messages/operations';
import { captureStep, sendCapture } from '../hold-flow/capture';
import { currentSummary, resendPending } from './common';
import type {
  ActiveSaga,
  Decision,
  LedgerCommandData,
  OperatorRequest,
  SagaState,
  WorkflowAction,
  WorkflowContext,
} from './types';

/** How many operator requests a saga remembers for answering repeats; older ones are decided afresh. */
export const OPERATOR_REQUESTS_KEPT = 50;

type Input = { request: OperatorRequest; actor: Actor; at: string };

const FINAL = new Set(['completed', 'failed', 'reversed']);

/**
 * An operator's request on one transaction, decided by its saga, which alone knows what the transaction
 * waits on. Rules:
 * - only an admin may act (the gateway refuses others first; the saga does not rely on it);
 * - a request id seen before is answered with what was done then and nothing is done again (the same
 *   terms), or refused as a reused key (other terms);
 * - a retry re-drives the step the saga waits on and nothing else: the same ledger command under its own
 *   id and step (the ledger answers a replay, so it never applies twice) with its deadline re-armed, or
 *   the scheduled provider, void or capture attempt made due now. A finished saga, or one that waits for
 *   a person only, has nothing to retry: `TRANSACTION.NOT_RETRYABLE`;
 * - a flag (with a note) or its clearing is allowed whatever the status and changes nothing the money
 *   depends on; clearing an unflagged transaction is `INVESTIGATION.NOT_FLAGGED`.
 * Pure.
 */
export function decideOperatorRequest(input: Input, state: SagaState, ctx: WorkflowContext): Decision {
  const { request, actor } = input;
  if (state.status === 'absent')
    return refuse(state, input, 'TRANSACTION.NOT_FOUND', `transaction ${request.transactionId} not found`);
  const earlier = state.operatorRequests?.find((r) => r.requestId === request.requestId);
  if (earlier) {
    if (earlier.requestHash !== request.requestHash)
      return refuse(
        state,
        input,
        'IDEMPOTENCY.KEY_REUSED',
        'this idempotency key was used for a different request',
      );
    return {
      state,
      actions: [
        {
          kind: 'operator-event',
          event: {
            type: 'TransactionActionReplayed',
            data: { transactionId: request.transactionId, record: earlier },
          },
        },
      ],
    };
  }
  if (actor.kind !== 'admin')
    return refused(state, input, 'AUTH.FORBIDDEN', `only an admin may ${verb(request.action)}`);
  switch (request.action) {
    case 'retry':
      return retry(state, input, ctx);
    case 'flag':
      return flag(state, input, request.note);
    case 'clear':
      return clear(state, input, request.note);
  }
}

function verb(action: OperatorRequest['action']): string {
  if (action === 'retry') return 'retry a transaction step';
  return action === 'flag' ? 'flag a transaction for investigation' : 'clear an investigation flag';
}

/** Refuses without remembering: nothing to answer a repeat with but the same refusal, decided again. */
function refuse(state: SagaState, input: Input, code: ErrorCode, detail: string): Decision {
  const { request } = input;
  return {
    state,
    actions: [
      {
        kind: 'operator-event',
        event: {
          type: 'TransactionActionRefused',
          data: {
            transactionId: request.transactionId,
            requestId: request.requestId,
            requestHash: request.requestHash,
            action: request.action,
            code,
            detail,
          },
        },
      },
    ],
  };
}

/** Refuses and remembers it, so a repeat of this request is refused the same way whatever happens next. */
function refused(state: ActiveSaga, input: Input, code: ErrorCode, detail: string): Decision {
  const answer = refuse(state, input, code, detail);
  return {
    state: remember(state, input, { outcome: 'refused', code, detail }),
    actions: answer.actions,
  };
}

function remember(
  state: ActiveSaga,
  input: Input,
  result: Partial<Pick<OperatorActionRecord, 'step' | 'note' | 'code' | 'detail'>> & {
    outcome: OperatorActionRecord['outcome'];
  },
): ActiveSaga {
  const record: OperatorActionRecord = {
    requestId: input.request.requestId,
    requestHash: input.request.requestHash,
    action: input.request.action,
    step: null,
    note: null,
    code: null,
    detail: null,
    actor: input.actor,
    at: input.at,
    ...result,
  };
  const kept = [...(state.operatorRequests ?? []), record].slice(-OPERATOR_REQUESTS_KEPT);
  return { ...state, operatorRequests: kept };
}

/** The name an operator reads for a ledger step: the command, and its step when it has one. */
export function stepLabel(command: LedgerCommandData): string {
  switch (command.type) {
    case 'PostEntry':
    case 'CaptureHold':
      return `${command.type} ${command.data.step}`;
    case 'PlaceHold':
    case 'ReleaseHold':
      return command.type;
  }
}

type Redrive = { step: string; commandId: string | null; state: ActiveSaga; actions: WorkflowAction[] };

/** What re-drives this saga's current step, or why nothing can. */
function redrive(state: ActiveSaga, ctx: WorkflowContext): Redrive | { notRetryable: string } {
  if (FINAL.has(state.status))
    return { notRetryable: `the transaction is ${state.status}; there is no step to retry` };
  if (state.pendingCommand && state.pendingCommandId) {
    // Counting resends afresh gives the step its automatic resends again after this one.
    const sent = resendPending(state, state.pendingCommand, 0, ctx);
    return { step: stepLabel(state.pendingCommand), commandId: state.pendingCommandId, ...sent };
  }
  const attempts = state.captureAttempts ?? 0;
  if (state.status === 'capturing' && attempts > 0 && !state.holdGone) {
    // A refused capture: its scheduled retry is made due now, or, once those ran out, one more attempt
    // under a step of its own (the ledger remembers the refusal of each earlier step).
    if (attempts <= ctx.settings.captureRetriesMax)
      return {
        step: `CaptureHold ${captureStep(attempts + 1)}`,
        commandId: null,
        state,
        actions: [{ kind: 'expedite', task: 'capture-retry' }],
      };
    const sent = sendCapture(state, captureStep(attempts + 1), ctx);
    const command = (sent.state as ActiveSaga).pendingCommand!;
    return {
      step: stepLabel(command),
      commandId: command.data.commandId,
      state: sent.state as ActiveSaga,
      actions: sent.actions,
    };
  }
  if (state.status === 'calling-provider') {
    // The provider's reference is the transaction id: a call made now is answered with what it recorded.
    return {
      step: `provider attempt ${state.providerAttempts}`,
      commandId: null,
      state,
      actions: [{ kind: 'expedite', task: 'provider' }],
    };
  }
  if (state.status === 'voiding') {
    const attempt = state.voidAttempts ?? 1;
    // Void attempts that ran out left no task behind: ask once more under the same attempt number.
    const exhausted = attempt >= ctx.settings.voidAttemptsMax && state.attention;
    return {
      step: `void attempt ${attempt}`,
      commandId: null,
      state,
      actions: exhausted
        ? [{ kind: 'schedule', task: 'void', attempt, dueInMs: 0 }]
        : [{ kind: 'expedite', task: 'void' }],
    };
  }
  return {
    notRetryable:
      state.attention?.code === 'PROVIDER.PAID_AFTER_RELEASE'
        ? 'the provider paid after the hold was released: there is no step left to retry; settle it by hand'
        : `the transaction waits on no step a retry can re-drive (status ${state.status})`,
  };
}

function retry(state: ActiveSaga, input: Input, ctx: WorkflowContext): Decision {
  const found = redrive(state, ctx);
  if ('notRetryable' in found) return refused(state, input, 'TRANSACTION.NOT_RETRYABLE', found.notRetryable);
  const next = remember(found.state, input, { outcome: 'retried', step: found.step });
  return {
    state: next,
    actions: [
      ...found.actions,
      {
        kind: 'operator-event',
        event: {
          type: 'TransactionStepRetried',
          data: {
            transactionId: input.request.transactionId,
            requestId: input.request.requestId,
            step: found.step,
            commandId: found.commandId,
            status: currentSummary(next).status,
            requestedBy: input.actor,
            at: input.at,
          },
        },
      },
    ],
  };
}

function flag(state: ActiveSaga, input: Input, note: string): Decision {
  const flagged: ActiveSaga = {
    ...state,
    investigation: { note, flaggedBy: input.actor, flaggedAt: input.at },
  };
  return {
    state: remember(flagged, input, { outcome: 'flagged', note }),
    actions: [
      {
        kind: 'operator-event',
        event: {
          type: 'TransactionInvestigationFlagged',
          data: {
            transactionId: input.request.transactionId,
            requestId: input.request.requestId,
            note,
            flaggedBy: input.actor,
            flaggedAt: input.at,
          },
        },
      },
    ],
  };
}

function clear(state: ActiveSaga, input: Input, note: string | null): Decision {
  if (!state.investigation)
    return refused(
      state,
      input,
      'INVESTIGATION.NOT_FLAGGED',
      `transaction ${input.request.transactionId} is not flagged for investigation`,
    );
  return {
    state: remember({ ...state, investigation: null }, input, { outcome: 'cleared', note }),
    actions: [
      {
        kind: 'operator-event',
        event: {
          type: 'TransactionInvestigationCleared',
          data: {
            transactionId: input.request.transactionId,
            requestId: input.request.requestId,
            note,
            clearedBy: input.actor,
            clearedAt: input.at,
          },
        },
      },
    ],
  };
}
