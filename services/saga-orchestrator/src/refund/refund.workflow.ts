import type { Actor } from '@billing/contracts/envelope';
import { captureStep, placeHold, sendCapture, sendRelease } from '../hold-flow/capture';
import { awaits, finish, ignore, onStepDeadline } from '../workflow/common';
import { decideOperatorRequest } from '../workflow/operator';
import type {
  ActiveSaga,
  Decision,
  FailureReason,
  MovementRequest,
  SagaState,
  WorkflowAction,
  WorkflowContext,
  WorkflowInput,
} from '../workflow/types';

/**
 * A refund gives back part or all of a completed payment, merchant -> customer, in three steps whose
 * order is the point:
 * 1. hold the amount on the merchant's account, crediting the customer: the ledger authorizes the caller
 *    (only the merchant's owner or an admin) and checks the funds before anything is reserved;
 * 2. reserve the amount against the payment (done by the handler when the hold is placed, one
 *    conditional update on the payment's row, so concurrent refunds can never exceed it);
 * 3. capture the hold, or release it when the reservation was refused.
 * A refusal after the reservation gives the reservation back.
 */
export function decideRefund(input: WorkflowInput, state: SagaState, ctx: WorkflowContext): Decision {
  if (input.kind === 'requested') {
    if (state.status !== 'absent') return ignore(state, 'request for an existing saga');
    return start(input.request, input.actor, input.at, ctx);
  }
  if (state.status === 'absent') return ignore(state, `${input.kind} for no saga`);
  switch (input.kind) {
    case 'ledger-done':
      return onLedgerDone(input, state, ctx);
    case 'ledger-refused':
      if (!awaits(state, input.commandId)) return ignore(state, 'refusal not awaited');
      return onRefused(state, { code: input.code, detail: input.detail }, input.at, ctx);
    case 'hold-expired':
      if (state.status === 'completed' || state.status === 'failed') return ignore(state, 'saga ended');
      return finish(
        state,
        'failed',
        state.releaseReason ?? { code: 'HOLD.EXPIRED', detail: 'the refund hold expired' },
        input.at,
        giveBack(state),
      );
    case 'step-deadline':
      return onStepDeadline(state, input.commandId, ctx);
    case 'operator':
      return decideOperatorRequest(input, state, ctx);
    case 'provider-succeeded':
    case 'provider-refused':
    case 'provider-unavailable':
    case 'void-answered':
    case 'capture-retry':
      return ignore(state, `${input.kind} does not apply to a refund`);
    default: {
      const unreachable: never = input;
      throw new Error(`unknown input ${JSON.stringify(unreachable)}`);
    }
  }
}

function start(request: MovementRequest, actor: Actor, at: string, ctx: WorkflowContext): Decision {
  return placeHold(request, { flow: 'refund', actor, providerAttempts: 0 }, at, ctx);
}

function onLedgerDone(
  input: Extract<WorkflowInput, { kind: 'ledger-done' }>,
  state: ActiveSaga,
  ctx: WorkflowContext,
): Decision {
  if (!awaits(state, input.commandId)) return ignore(state, `${input.event} not awaited`);
  if (state.status === 'holding' && input.event === 'HoldPlaced') {
    const reservation = input.refund;
    if (!reservation) throw new Error('a placed refund hold must come with its reservation');
    if (reservation.reserved) return sendCapture({ ...state, refundReserved: true }, captureStep(1), ctx);
    return release(state, { code: reservation.code, detail: reservation.detail }, ctx);
  }
  if (state.status === 'capturing' && input.event === 'HoldCaptured')
    return finish(state, 'completed', null, input.at);
  if (state.status === 'releasing' && input.event === 'HoldReleased')
    return finish(state, 'failed', state.releaseReason, input.at, giveBack(state));
  return ignore(state, `${input.event} in status ${state.status}`);
}

function onRefused(state: ActiveSaga, reason: FailureReason, at: string, ctx: WorkflowContext): Decision {
  switch (state.status) {
    case 'holding':
      // Not authorized, or no funds: nothing was held and nothing reserved.
      return finish(state, 'failed', reason, at);
    case 'capturing':
      // No provider is involved, so a refused capture simply undoes the refund.
      return release(state, reason, ctx);
    case 'releasing':
      return finish(state, 'failed', state.releaseReason, at, giveBack(state));
    default:
      return ignore(state, `refusal in status ${state.status}`);
  }
}

function release(state: ActiveSaga, reason: FailureReason, ctx: WorkflowContext): Decision {
  return sendRelease(state, reason, ctx);
}

/** Gives the reservation back to the payment, once, when a reserved refund does not complete. */
function giveBack(state: ActiveSaga): WorkflowAction[] {
  const { summary } = state;
  if (!state.refundReserved || !summary.originalTransactionId) return [];
  return [
    { kind: 'release-refund', originalTransactionId: summary.originalTransactionId, amount: summary.amount },
  ];
}
