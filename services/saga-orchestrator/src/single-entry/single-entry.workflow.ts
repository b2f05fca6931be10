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
  MovementRequest,
  SagaState,
  WorkflowContext,
  WorkflowInput,
} from '../workflow/types';

/**
 * Top-up, transfer, payment and refund: one journal entry, posted atomically by the ledger. A refund
 * first reserves its amount against the original payment (done by the caller, reported in the input);
 * when the ledger refuses the entry the reservation is given back.
 */
export function decideSingleEntry(input: WorkflowInput, state: SagaState, ctx: WorkflowContext): Decision {
  switch (input.kind) {
    case 'requested':
      if (state.status !== 'absent') return onRepeatedRequest(state, input.request);
      return start(input.request, input.actor, input.at, input.refund, ctx);
    case 'ledger-done':
      if (!awaits(state, input.commandId) || input.event !== 'EntryPosted')
        return ignore(state, `${input.event} not awaited`);
      return finish(state, 'completed', null, input.at);
    case 'ledger-refused':
      if (!awaits(state, input.commandId)) return ignore(state, 'refusal not awaited');
      return finish(
        state,
        'failed',
        { code: input.code, detail: input.detail },
        input.at,
        releaseRefund(state),
      );
    case 'step-deadline':
      return onStepDeadline(state, input.commandId, ctx);
    case 'provider-succeeded':
    case 'provider-refused':
    case 'provider-unavailable':
      return ignore(state, `${input.kind} does not apply to a single-entry movement`);
    default: {
      const unreachable: never = input;
      throw new Error(`unknown input ${JSON.stringify(unreachable)}`);
    }
  }
}

function start(
  request: MovementRequest,
  actor: Actor,
  at: string,
  refund: Extract<WorkflowInput, { kind: 'requested' }>['refund'],
  ctx: WorkflowContext,
): Decision {
  const summary = summaryOf(request, at);
  const base: ActiveSaga = {
    status: 'posting',
    summary,
    requestHash: request.requestHash,
    actor,
    pendingCommandId: null,
    holdId: null,
    providerAttempts: 0,
    releaseReason: null,
  };
  if (request.type === 'refund' && refund && !refund.reserved) {
    // Nothing was reserved, so there is nothing to give back: the refund fails at once.
    return finish(base, 'failed', { code: refund.code, detail: refund.detail }, at);
  }
  const sent = sendWithDeadline(
    base,
    {
      type: 'PostEntry',
      data: {
        commandId: ctx.newId(),
        transactionId: request.transactionId,
        transactionType: request.type,
        step: 'post',
        currency: request.currency,
        postings: [
          { accountId: request.sourceAccountId, side: 'debit', amount: request.amount },
          { accountId: request.destinationAccountId, side: 'credit', amount: request.amount },
        ],
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

function releaseRefund(state: ActiveSaga) {
  const { summary } = state;
  return summary.type === 'refund' && summary.originalTransactionId
    ? [
        {
          kind: 'release-refund' as const,
          originalTransactionId: summary.originalTransactionId,
          amount: summary.amount,
        },
      ]
    : [];
}
