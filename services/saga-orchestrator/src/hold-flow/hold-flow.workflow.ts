import type { Actor } from '@billing/contracts/envelope';
import {
  awaits,
  finish,
  ignore,
  onRepeatedRequest,
  onStepDeadline,
  sendWithDeadline,
  summaryOf,
} from '../workflow/common';
import type {
  ActiveSaga,
  Decision,
  FailureReason,
  MovementRequest,
  SagaState,
  WorkflowContext,
  WorkflowInput,
} from '../workflow/types';

/**
 * Withdrawal and bill payment: hold the amount, ask an external provider, then capture the hold into
 * the destination on success or release it on refusal (the automatic reversal). A provider that does
 * not answer is asked again, with back-off, up to a bound; then the hold is released. The saga never
 * both captures and releases: once it has chosen one, outcomes that argue for the other are ignored.
 */
export function decideHoldFlow(input: WorkflowInput, state: SagaState, ctx: WorkflowContext): Decision {
  switch (input.kind) {
    case 'requested':
      if (state.status !== 'absent') return onRepeatedRequest(state, input.request);
      return start(input.request, input.actor, input.at, ctx);
    case 'ledger-done':
      return onLedgerDone(input, state);
    case 'ledger-refused':
      return onLedgerRefused(input, state);
    case 'provider-succeeded':
      if (state.status !== 'calling-provider')
        return ignore(state, `provider success in status ${state.status}`);
      return capture(state, input.details, ctx);
    case 'provider-refused':
      if (state.status !== 'calling-provider')
        return ignore(state, `provider refusal in status ${state.status}`);
      return release(state, { code: input.code, detail: input.detail }, ctx);
    case 'provider-unavailable':
      if (state.status !== 'calling-provider')
        return ignore(state, `provider timeout in status ${state.status}`);
      return retryOrRelease(state, input.detail, ctx);
    case 'step-deadline':
      return onStepDeadline(state, input.commandId, ctx);
    default: {
      const unreachable: never = input;
      throw new Error(`unknown input ${JSON.stringify(unreachable)}`);
    }
  }
}

function start(request: MovementRequest, actor: Actor, at: string, ctx: WorkflowContext): Decision {
  const summary = summaryOf(request, at);
  const commandId = ctx.newId();
  const holdId = ctx.newId();
  const saga: ActiveSaga = {
    status: 'holding',
    summary,
    requestHash: request.requestHash,
    actor,
    pendingCommandId: null,
    holdId,
    providerAttempts: 0,
    releaseReason: null,
  };
  const sent = sendWithDeadline(
    saga,
    {
      type: 'PlaceHold',
      data: {
        commandId,
        holdId,
        transactionId: request.transactionId,
        transactionType: request.type,
        accountId: request.sourceAccountId,
        amount: request.amount,
        currency: request.currency,
        expiresAt: new Date(Date.parse(at) + ctx.settings.holdTtlMs).toISOString(),
      },
    },
    request.sourceAccountId,
    ctx,
  );
  return {
    state: sent.state,
    actions: [{ kind: 'publish', event: 'TransactionAccepted', summary }, ...sent.actions],
  };
}

function onLedgerDone(input: Extract<WorkflowInput, { kind: 'ledger-done' }>, state: SagaState): Decision {
  if (!awaits(state, input.commandId)) return ignore(state, `${input.event} not awaited`);
  if (state.status === 'holding' && input.event === 'HoldPlaced') {
    return {
      state: {
        ...state,
        status: 'calling-provider',
        pendingCommandId: null,
        pendingCommand: null,
        providerAttempts: 1,
      },
      actions: [{ kind: 'schedule', task: 'provider', attempt: 1, dueInMs: 0 }],
    };
  }
  if (state.status === 'capturing' && input.event === 'HoldCaptured')
    return finish(state, 'completed', null, input.at);
  if (state.status === 'releasing' && input.event === 'HoldReleased')
    return finish(state, 'reversed', state.releaseReason, input.at);
  return ignore(state, `${input.event} in status ${state.status}`);
}

function onLedgerRefused(
  input: Extract<WorkflowInput, { kind: 'ledger-refused' }>,
  state: SagaState,
): Decision {
  if (!awaits(state, input.commandId)) return ignore(state, 'refusal not awaited');
  const reason = { code: input.code, detail: input.detail };
  switch (state.status) {
    case 'holding':
      return finish(state, 'failed', reason, input.at);
    case 'capturing':
      // The provider has been paid but the ledger would not capture: never release in this case; the
      // transaction fails with a code that asks a person to settle it.
      return finish(
        state,
        'failed',
        { code: 'SAGA.CAPTURE_FAILED', detail: `capture refused: ${input.code} ${input.detail}` },
        input.at,
      );
    case 'releasing':
      // The hold is already gone (expired and swept): nothing is held any more, which is the reversal.
      return finish(state, 'reversed', state.releaseReason, input.at);
    default:
      return ignore(state, `refusal in status ${state.status}`);
  }
}

function capture(state: ActiveSaga, details: Record<string, string>, ctx: WorkflowContext): Decision {
  const capturing: ActiveSaga = {
    ...state,
    status: 'capturing',
    summary: { ...state.summary, details: { ...state.summary.details, ...details } },
  };
  return sendWithDeadline(
    capturing,
    {
      type: 'CaptureHold',
      data: {
        commandId: ctx.newId(),
        holdId: state.holdId!,
        transactionId: state.summary.transactionId,
        step: 'capture',
        creditAccountId: state.summary.destinationAccountId,
        amount: null,
      },
    },
    state.summary.sourceAccountId,
    ctx,
  );
}

function release(state: ActiveSaga, reason: FailureReason, ctx: WorkflowContext): Decision {
  return sendWithDeadline(
    { ...state, status: 'releasing', releaseReason: reason },
    {
      type: 'ReleaseHold',
      data: {
        commandId: ctx.newId(),
        holdId: state.holdId!,
        transactionId: state.summary.transactionId,
        reason: reason.code,
      },
    },
    state.summary.sourceAccountId,
    ctx,
  );
}

function retryOrRelease(state: ActiveSaga, detail: string, ctx: WorkflowContext): Decision {
  const { providerAttemptsMax, providerBackoffMs, providerBackoffMaxMs } = ctx.settings;
  if (state.providerAttempts >= providerAttemptsMax) {
    return release(
      state,
      { code: 'PROVIDER.TIMEOUT', detail: `no answer after ${state.providerAttempts} attempts: ${detail}` },
      ctx,
    );
  }
  const attempt = state.providerAttempts + 1;
  const dueInMs = Math.min(providerBackoffMaxMs, providerBackoffMs * 2 ** (attempt - 2));
  return {
    state: { ...state, providerAttempts: attempt },
    actions: [{ kind: 'schedule', task: 'provider', attempt, dueInMs }],
  };
}
