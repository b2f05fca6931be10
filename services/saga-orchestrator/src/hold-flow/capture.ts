import type { ErrorCode } from '@billing/contracts/errors';
import { backoffMs, escalate, sendWithDeadline, summaryOf } from '../workflow/common';
import type {
  ActiveSaga,
  Decision,
  FailureReason,
  MovementRequest,
  WorkflowContext,
} from '../workflow/types';

/**
 * The first step of every hold-based flow: announce the transaction and hold its amount on the source,
 * naming the account the capture will credit, so that the ledger judges both before anything else.
 */
export function placeHold(
  request: MovementRequest,
  saga: Omit<
    ActiveSaga,
    'status' | 'summary' | 'requestHash' | 'pendingCommandId' | 'holdId' | 'releaseReason'
  >,
  at: string,
  ctx: WorkflowContext,
): Decision {
  const summary = summaryOf(request, at);
  const holdId = ctx.newId();
  const sent = sendWithDeadline(
    {
      ...saga,
      status: 'holding',
      summary,
      requestHash: request.requestHash,
      pendingCommandId: null,
      holdId,
      releaseReason: null,
    },
    {
      type: 'PlaceHold',
      data: {
        commandId: ctx.newId(),
        holdId,
        transactionId: request.transactionId,
        transactionType: request.type,
        accountId: request.sourceAccountId,
        creditAccountId: request.destinationAccountId,
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

/** Gives the held amount back (nothing moved), remembering why for the final event. */
export function sendRelease(state: ActiveSaga, reason: FailureReason, ctx: WorkflowContext): Decision {
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

/**
 * The ledger step name of the n-th capture attempt. The ledger remembers a refusal for its
 * (transaction, step), so each retry needs a step of its own; the hold itself can be captured once only.
 */
export function captureStep(attempt: number): string {
  return attempt <= 1 ? 'capture' : `capture-${attempt}`;
}

/** Sends a CaptureHold into the account the hold named when it was placed. */
export function sendCapture(state: ActiveSaga, step: string, ctx: WorkflowContext): Decision {
  return sendWithDeadline(
    { ...state, status: 'capturing' },
    {
      type: 'CaptureHold',
      data: {
        commandId: ctx.newId(),
        holdId: state.holdId!,
        transactionId: state.summary.transactionId,
        step,
        creditAccountId: state.summary.destinationAccountId,
        amount: null,
      },
    },
    state.summary.sourceAccountId,
    ctx,
  );
}

const HOLD_GONE: readonly ErrorCode[] = ['HOLD.NOT_FOUND', 'HOLD.CLOSED', 'HOLD.EXPIRED'];

/**
 * The provider has paid but the ledger would not capture (the account was suspended meanwhile, a limit).
 * The money is the provider's: never release. Retry with back-off and say the saga needs attention; if
 * the hold itself is gone there is nothing left to capture, and a person settles it.
 */
export function onCaptureRefused(
  state: ActiveSaga,
  code: ErrorCode,
  detail: string,
  at: string,
  ctx: WorkflowContext,
): Decision {
  const idle: ActiveSaga = { ...state, pendingCommandId: null, pendingCommand: null };
  if (HOLD_GONE.includes(code)) {
    return escalate(
      { ...idle, status: 'needs_attention', holdGone: true },
      {
        code: 'PROVIDER.PAID_AFTER_RELEASE',
        detail: `the provider paid but the hold can no longer be captured (${code}); settle it by hand`,
      },
      at,
    );
  }
  const attempts = (state.captureAttempts ?? 0) + 1;
  const reason = {
    code: 'SAGA.CAPTURE_FAILED' as const,
    detail: `the provider paid; capture attempt ${attempts} was refused: ${code} ${detail}`.slice(0, 1000),
  };
  const retry =
    attempts <= ctx.settings.captureRetriesMax
      ? [
          {
            kind: 'schedule' as const,
            task: 'capture-retry' as const,
            attempt: attempts,
            dueInMs: backoffMs(ctx.settings, attempts),
          },
        ]
      : [];
  // The reason changes with each attempt; announce only the first, the state keeps the latest.
  const first = escalate({ ...idle, captureAttempts: attempts }, reason, at, retry);
  return { state: { ...first.state, attention: reason }, actions: first.actions };
}
