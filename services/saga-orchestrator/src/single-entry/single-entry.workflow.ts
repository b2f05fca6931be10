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
import { decideOperatorRequest } from '../workflow/operator';
import type {
  ActiveSaga,
  Decision,
  MovementRequest,
  SagaState,
  WorkflowContext,
  WorkflowInput,
} from '../workflow/types';

/**
 * An admin's top-up, a transfer and a payment: one journal entry, posted atomically by the ledger, which
 * authorizes the actor against the accounts. (Refunds stored before they got a flow of their own ran
 * here too, with their reservation made up front: a refusal still gives it back.)
 */
export function decideSingleEntry(input: WorkflowInput, state: SagaState, ctx: WorkflowContext): Decision {
  switch (input.kind) {
    case 'requested':
      if (state.status !== 'absent') return onRepeatedRequest(state, input.request);
      return start(input.request, input.actor, input.at, ctx);
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
    case 'operator':
      return decideOperatorRequest(input, state, ctx);
    case 'provider-succeeded':
    case 'provider-refused':
    case 'provider-unavailable':
    case 'void-answered':
    case 'capture-retry':
    case 'hold-expired':
      return ignore(state, `${input.kind} does not apply to a single-entry movement`);
    default: {
      const unreachable: never = input;
      throw new Error(`unknown input ${JSON.stringify(unreachable)}`);
    }
  }
}

function start(request: MovementRequest, actor: Actor, at: string, ctx: WorkflowContext): Decision {
  const summary = summaryOf(request, at);
  const base: ActiveSaga = {
    status: 'posting',
    flow: 'single-entry',
    summary,
    requestHash: request.requestHash,
    actor,
    pendingCommandId: null,
    holdId: null,
    providerAttempts: 0,
    releaseReason: null,
  };
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
