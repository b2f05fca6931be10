import type { Actor } from '@billing/contracts/envelope';
import type { ErrorCode } from '@billing/contracts/errors';
import type { PostEntryMessage } from '@billing/contracts/messages/ledger';
import type { TransactionSummary } from '@billing/contracts/messages/transactions';

/**
 * The top-up workflow: EXTERNAL -> USER in one journal entry. Pure: given what happened and the saga's
 * state, it returns the next state and what to do, as data; the infrastructure writes the actions to
 * the outbox in the same transaction as the state.
 */
export type TopUpState =
  | { status: 'absent' }
  | {
      status: 'posting';
      summary: TransactionSummary;
      requestHash: string;
      actor: Actor;
      postCommandId: string;
    }
  | { status: 'completed'; summary: TransactionSummary; requestHash: string; actor: Actor }
  | { status: 'failed'; summary: TransactionSummary; requestHash: string; actor: Actor };

export function initialTopUpState(): TopUpState {
  return { status: 'absent' };
}

export interface TopUpRequest {
  transactionId: string;
  idempotencyKey: string;
  requestHash: string;
  sourceAccountId: string;
  destinationAccountId: string;
  amount: string;
  currency: string;
}

export type TopUpInput =
  | { kind: 'requested'; request: TopUpRequest; actor: Actor; at: string }
  | { kind: 'entry-posted'; commandId: string; at: string }
  | { kind: 'command-rejected'; commandId: string; code: ErrorCode; detail: string; at: string };

export type LedgerCommandData = PostEntryMessage['data'];

export type WorkflowAction =
  | { kind: 'send'; key: string; command: LedgerCommandData; actor: Actor }
  | {
      kind: 'publish';
      event: 'TransactionAccepted' | 'TransactionCompleted' | 'TransactionFailed';
      summary: TransactionSummary;
    }
  | { kind: 'refuse-request'; transactionId: string; requestHash: string; code: ErrorCode; detail: string }
  | { kind: 'complete' }
  | { kind: 'ignore'; reason: string };

export interface Decision {
  state: TopUpState;
  actions: WorkflowAction[];
}

export function decideTopUp(input: TopUpInput, state: TopUpState, newId: () => string): Decision {
  switch (input.kind) {
    case 'requested':
      return onRequested(input, state, newId);
    case 'entry-posted':
      if (state.status !== 'posting' || state.postCommandId !== input.commandId) {
        return { state, actions: [{ kind: 'ignore', reason: `EntryPosted in status ${state.status}` }] };
      }
      return finish(state, 'completed', null, input.at);
    case 'command-rejected':
      if (state.status !== 'posting' || state.postCommandId !== input.commandId) {
        return { state, actions: [{ kind: 'ignore', reason: `CommandRejected in status ${state.status}` }] };
      }
      return finish(state, 'failed', { code: input.code, detail: input.detail }, input.at);
    default: {
      const unreachable: never = input;
      throw new Error(`unknown input ${JSON.stringify(unreachable)}`);
    }
  }
}

function onRequested(
  input: Extract<TopUpInput, { kind: 'requested' }>,
  state: TopUpState,
  newId: () => string,
): Decision {
  const { request } = input;
  if (state.status !== 'absent') {
    // The transaction id derives from (actor, idempotency key): seeing it again is a retry of the client,
    // unless the terms differ, which is a reused key and is refused without touching the transaction.
    if (state.requestHash === request.requestHash)
      return { state, actions: [{ kind: 'ignore', reason: 'duplicate request' }] };
    return {
      state,
      actions: [
        {
          kind: 'refuse-request',
          transactionId: request.transactionId,
          requestHash: request.requestHash,
          code: 'IDEMPOTENCY.KEY_REUSED',
          detail: 'this idempotency key was used for a different request',
        },
      ],
    };
  }
  const summary: TransactionSummary = {
    transactionId: request.transactionId,
    type: 'topup',
    status: 'pending',
    amount: request.amount,
    currency: request.currency,
    sourceAccountId: request.sourceAccountId,
    destinationAccountId: request.destinationAccountId,
    idempotencyKey: request.idempotencyKey,
    reason: null,
    createdAt: input.at,
    updatedAt: input.at,
  };
  const postCommandId = newId();
  return {
    state: {
      status: 'posting',
      summary,
      requestHash: request.requestHash,
      actor: input.actor,
      postCommandId,
    },
    actions: [
      { kind: 'publish', event: 'TransactionAccepted', summary },
      {
        kind: 'send',
        key: request.sourceAccountId,
        actor: input.actor,
        command: {
          commandId: postCommandId,
          transactionId: request.transactionId,
          transactionType: 'topup',
          step: 'post',
          currency: request.currency,
          postings: [
            { accountId: request.sourceAccountId, side: 'debit', amount: request.amount },
            { accountId: request.destinationAccountId, side: 'credit', amount: request.amount },
          ],
        },
      },
    ],
  };
}

function finish(
  state: Extract<TopUpState, { status: 'posting' }>,
  status: 'completed' | 'failed',
  reason: TransactionSummary['reason'],
  at: string,
): Decision {
  const summary: TransactionSummary = { ...state.summary, status, reason, updatedAt: at };
  const next = { status, summary, requestHash: state.requestHash, actor: state.actor };
  return {
    state: next,
    actions: [
      {
        kind: 'publish',
        event: status === 'completed' ? 'TransactionCompleted' : 'TransactionFailed',
        summary,
      },
      { kind: 'complete' },
    ],
  };
}
