import type { Actor } from '@billing/contracts/envelope';
import { awaits, backoffMs, escalate, finish, ignore, onStepDeadline } from '../workflow/common';
import { decideOperatorRequest } from '../workflow/operator';
import type {
  ActiveSaga,
  Decision,
  FailureReason,
  MovementRequest,
  ProviderKind,
  SagaState,
  WorkflowContext,
  WorkflowInput,
} from '../workflow/types';
import { captureStep, onCaptureRefused, placeHold, sendCapture, sendRelease } from './capture';

/**
 * Withdrawal, bill payment and an owner's top-up: hold the amount, ask an external provider (payout,
 * bill purchase, card or bank collection), then capture the hold into the credited account on success
 * or release it on a refusal. Rules that keep money safe:
 * - the hold names the account the capture will credit, so the ledger checks both before any call;
 * - silence is not a refusal: after the attempts run out the provider is asked to void the reference,
 *   and only a confirmed void releases the hold;
 * - once the provider has paid, the hold is only ever captured; a refused capture is retried and the
 *   saga says it needs attention, it never releases;
 * - a hold the ledger's sweep released unasked makes the saga ask the provider what happened before it
 *   ends; a payment it then learns of is a reconciliation case, announced, never ignored.
 */
export function decideHoldFlow(input: WorkflowInput, state: SagaState, ctx: WorkflowContext): Decision {
  if (input.kind === 'requested') {
    if (state.status !== 'absent') return ignore(state, 'request for an existing saga');
    return start(input.request, input.actor, input.at, ctx);
  }
  if (state.status === 'absent') return ignore(state, `${input.kind} for no saga`);
  switch (input.kind) {
    case 'ledger-done':
      return onLedgerDone(input, state, ctx);
    case 'ledger-refused':
      return onLedgerRefused(input, state, ctx);
    case 'provider-succeeded':
      return onProviderPaid(state, input.details, input.at, ctx);
    case 'provider-refused':
      if (state.status !== 'calling-provider' && state.status !== 'voiding')
        return ignore(state, `provider refusal in status ${state.status}`);
      return releaseOrEnd(state, { code: input.code, detail: input.detail }, input.at, ctx);
    case 'provider-unavailable':
      if (state.status !== 'calling-provider')
        return ignore(state, `provider silence in status ${state.status}`);
      return retryOrVoid(state, input.detail, ctx);
    case 'void-answered':
      return onVoidAnswered(input, state, ctx);
    case 'hold-expired':
      return onHoldExpired(state, input.at, ctx);
    case 'capture-retry':
      if (state.status !== 'capturing' || (state.captureAttempts ?? 0) !== input.attempt)
        return ignore(state, `capture retry ${input.attempt} no longer due`);
      return sendCapture(state, captureStep(input.attempt + 1), ctx);
    case 'step-deadline':
      return onStepDeadline(state, input.commandId, ctx);
    case 'operator':
      return decideOperatorRequest(input, state, ctx);
    default: {
      const unreachable: never = input;
      throw new Error(`unknown input ${JSON.stringify(unreachable)}`);
    }
  }
}

function providerOf(request: MovementRequest): ProviderKind {
  if (request.type === 'bill_payment') return 'purchase';
  if (request.type === 'topup') return 'collection';
  return 'payout';
}

function start(request: MovementRequest, actor: Actor, at: string, ctx: WorkflowContext): Decision {
  return placeHold(
    request,
    {
      flow: 'hold-flow',
      provider: providerOf(request),
      actor,
      providerAttempts: 0,
      voidAttempts: 0,
      captureAttempts: 0,
    },
    at,
    ctx,
  );
}

function onLedgerDone(
  input: Extract<WorkflowInput, { kind: 'ledger-done' }>,
  state: ActiveSaga,
  ctx: WorkflowContext,
): Decision {
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
  if (state.status === 'releasing' && input.event === 'HoldReleased') return ended(state, input.at);
  void ctx;
  return ignore(state, `${input.event} in status ${state.status}`);
}

function onLedgerRefused(
  input: Extract<WorkflowInput, { kind: 'ledger-refused' }>,
  state: ActiveSaga,
  ctx: WorkflowContext,
): Decision {
  if (!awaits(state, input.commandId)) return ignore(state, 'refusal not awaited');
  switch (state.status) {
    case 'holding':
      // Nothing was reserved and no provider was called: the request simply fails.
      return finish(state, 'failed', { code: input.code, detail: input.detail }, input.at);
    case 'capturing':
      return onCaptureRefused(state, input.code, input.detail, input.at, ctx);
    case 'releasing':
      // The hold is already gone (expired and swept): nothing is held any more, which is the reversal.
      return ended(state, input.at);
    default:
      return ignore(state, `refusal in status ${state.status}`);
  }
}

/**
 * The provider paid (or collected). With the hold still there, capture it; if the hold is gone the
 * money left the provider without a reservation behind it: that is for a person to settle.
 */
function onProviderPaid(
  state: ActiveSaga,
  details: Record<string, string>,
  at: string,
  ctx: WorkflowContext,
): Decision {
  const waiting = state.status === 'calling-provider' || state.status === 'voiding';
  if (!waiting) return ignore(state, `provider success in status ${state.status}`);
  const paid: ActiveSaga = {
    ...state,
    providerPaid: true,
    summary: { ...state.summary, details: { ...state.summary.details, ...details } },
  };
  if (state.holdGone) {
    return escalate(
      { ...paid, status: 'needs_attention' },
      {
        code: 'PROVIDER.PAID_AFTER_RELEASE',
        detail: 'the provider confirmed the payment after the hold had been released; settle it by hand',
      },
      at,
    );
  }
  return sendCapture(paid, captureStep(1), ctx);
}

/** A definitive refusal: release the hold (nothing moved), or end at once if the hold is gone. */
function releaseOrEnd(state: ActiveSaga, reason: FailureReason, at: string, ctx: WorkflowContext): Decision {
  if (state.holdGone) return ended({ ...state, releaseReason: reason }, at);
  return sendRelease(state, reason, ctx);
}

/** The hold is released: a withdrawal or bill is reversed; a top-up that never came in failed. */
function ended(state: ActiveSaga, at: string): Decision {
  const status = state.summary.type === 'topup' ? 'failed' : 'reversed';
  return finish(state, status, state.releaseReason, at);
}

function retryOrVoid(state: ActiveSaga, detail: string, ctx: WorkflowContext): Decision {
  if (state.providerAttempts >= ctx.settings.providerAttemptsMax) {
    // Silence is not a refusal: the provider may have paid without our hearing. Ask it to void first.
    return {
      state: {
        ...state,
        status: 'voiding',
        voidAttempts: 1,
        releaseReason: {
          code: 'PROVIDER.TIMEOUT',
          detail: `no answer after ${state.providerAttempts} attempts (${detail}); the provider voided it`,
        },
      },
      actions: [{ kind: 'schedule', task: 'void', attempt: 1, dueInMs: 0 }],
    };
  }
  const attempt = state.providerAttempts + 1;
  return {
    state: { ...state, providerAttempts: attempt },
    actions: [{ kind: 'schedule', task: 'provider', attempt, dueInMs: backoffMs(ctx.settings, attempt - 1) }],
  };
}

function onVoidAnswered(
  input: Extract<WorkflowInput, { kind: 'void-answered' }>,
  state: ActiveSaga,
  ctx: WorkflowContext,
): Decision {
  if (state.status !== 'voiding') return ignore(state, `void answer in status ${state.status}`);
  switch (input.outcome) {
    case 'voided':
      return releaseOrEnd(
        state,
        state.releaseReason ?? { code: 'PROVIDER.TIMEOUT', detail: 'the provider voided the attempt' },
        input.at,
        ctx,
      );
    case 'paid':
      return onProviderPaid(state, input.details, input.at, ctx);
    case 'unknown': {
      const attempts = state.voidAttempts ?? 1;
      const reason: FailureReason = {
        code: 'PROVIDER.UNKNOWN_OUTCOME',
        detail: `the provider answered neither the payment nor its void (${input.detail}); the hold stays`,
      };
      if (attempts >= ctx.settings.voidAttemptsMax) return escalate(state, reason, input.at);
      const next = attempts + 1;
      return escalate({ ...state, voidAttempts: next }, reason, input.at, [
        { kind: 'schedule', task: 'void', attempt: next, dueInMs: backoffMs(ctx.settings, attempts) },
      ]);
    }
    default: {
      const unreachable: never = input;
      throw new Error(`unknown void answer ${JSON.stringify(unreachable)}`);
    }
  }
}

/**
 * The ledger's sweep released the hold without being asked. Before the saga ends it must learn whether
 * the provider paid: it asks for a void (which also stops a late payment); an answer arriving for a
 * provider call already in flight is judged with the hold gone.
 */
function onHoldExpired(state: ActiveSaga, at: string, ctx: WorkflowContext): Decision {
  const gone: ActiveSaga = { ...state, holdGone: true };
  const expired: FailureReason = {
    code: 'HOLD.EXPIRED',
    detail: 'the hold expired before the provider answered',
  };
  switch (state.status) {
    case 'holding':
    case 'releasing':
      return ended({ ...gone, releaseReason: state.releaseReason ?? expired }, at);
    case 'calling-provider':
      return {
        state: { ...gone, status: 'voiding', voidAttempts: 1, releaseReason: expired },
        actions: [{ kind: 'schedule', task: 'void', attempt: 1, dueInMs: 0 }],
      };
    case 'voiding':
      return { state: gone, actions: [] };
    case 'capturing':
    case 'needs_attention':
      return escalate(
        { ...gone, status: 'needs_attention', pendingCommandId: null, pendingCommand: null },
        {
          code: 'PROVIDER.PAID_AFTER_RELEASE',
          detail:
            'the provider paid and the hold was released before it could be captured; settle it by hand',
        },
        at,
      );
    default:
      void ctx;
      return ignore(state, `hold released in status ${state.status}`);
  }
}
