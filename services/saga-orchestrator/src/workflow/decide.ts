import type { TransactionType } from '@billing/contracts/messages/ledger';
import { decideHoldFlow } from '../hold-flow/hold-flow.workflow';
import { decideSingleEntry } from '../single-entry/single-entry.workflow';
import type { Decision, SagaState, WorkflowContext, WorkflowInput } from './types';

const WORKFLOWS: Record<
  TransactionType,
  (input: WorkflowInput, state: SagaState, ctx: WorkflowContext) => Decision
> = {
  topup: decideSingleEntry,
  transfer: decideSingleEntry,
  payment: decideSingleEntry,
  refund: decideSingleEntry,
  withdrawal: decideHoldFlow,
  bill_payment: decideHoldFlow,
};

/** Picks the workflow of a saga by its transaction type (from the request, or from the stored state). */
export function decide(
  type: TransactionType,
  input: WorkflowInput,
  state: SagaState,
  ctx: WorkflowContext,
): Decision {
  return WORKFLOWS[type](input, state, ctx);
}
