import type { ErrorCode } from '@billing/contracts/errors';
import { backoffMs, escalate, sendWithDeadline } from '../workflow/common';
import type { ActiveSaga, Decision, WorkflowContext } from '../workflow/types';

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
