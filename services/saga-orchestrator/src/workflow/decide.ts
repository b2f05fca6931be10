import type { TransactionType } from '@billing/contracts/messages/ledger';
import { decideHoldFlow } from '../hold-flow/hold-flow.workflow';
import { decideRefund } from '../refund/refund.workflow';
import { decideSingleEntry } from '../single-entry/single-entry.workflow';
import { finish, onRepeatedRequest, summaryOf } from './common';
import { decideOperatorRequest } from './operator';
import { flowOf, screen } from './screen';
import type { ActiveSaga, Decision, SagaFlow, SagaState, WorkflowContext, WorkflowInput } from './types';

type Workflow = (input: WorkflowInput, state: SagaState, ctx: WorkflowContext) => Decision;

const WORKFLOWS: Record<SagaFlow, Workflow> = {
  'single-entry': decideSingleEntry,
  'hold-flow': decideHoldFlow,
  refund: decideRefund,
};

/** Sagas stored before flows were named ran by their type alone; refunds then were one entry. */
function storedFlow(state: ActiveSaga): SagaFlow {
  if (state.flow) return state.flow;
  const type: TransactionType = state.summary.type;
  return type === 'withdrawal' || type === 'bill_payment' ? 'hold-flow' : 'single-entry';
}

/**
 * Picks the workflow of a saga: for a new request by its shape (after the checks every request passes
 * first), for a stored saga by the flow it started with.
 */
export function decide(input: WorkflowInput, state: SagaState, ctx: WorkflowContext): Decision {
  if (input.kind === 'requested') {
    if (state.status !== 'absent') return onRepeatedRequest(state, input.request);
    const flow = flowOf(input.request);
    const refused = screen(input.request, input.actor, ctx.settings);
    if (refused) {
      const saga: ActiveSaga = {
        status: 'posting',
        flow,
        summary: summaryOf(input.request, input.at),
        requestHash: input.request.requestHash,
        actor: input.actor,
        pendingCommandId: null,
        holdId: null,
        providerAttempts: 0,
        releaseReason: null,
      };
      return finish(saga, 'failed', refused, input.at);
    }
    return WORKFLOWS[flow](input, state, ctx);
  }
  // Operators' requests are the same for every flow; an unknown transaction is answered, not ignored.
  if (input.kind === 'operator') return decideOperatorRequest(input, state, ctx);
  if (state.status === 'absent')
    return { state, actions: [{ kind: 'ignore', reason: `${input.kind} for no saga` }] };
  return WORKFLOWS[storedFlow(state)](input, state, ctx);
}
