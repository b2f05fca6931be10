import * as ex from './examples';
import {
  AUTH_ERRORS,
  BODY_ERRORS,
  body,
  COMMAND_NOT_CONFIRMED,
  COMMAND_UNAVAILABLE,
  invalidField,
  success,
  WAIT_TOO_LONG,
  type ErrorDoc,
  type RouteDescription,
  type SuccessDoc,
} from './route-model';

/**
 * What the operator routes (TransactionActionsController) document: retrying a saga's step and flagging
 * a transaction for investigation. Each sends a command its saga decides, so they share their answers
 * and most refusals.
 */

const TRANSACTION_ID = {
  description: 'The transaction id (a UUID; anything else is 404).',
  example: ex.IDS.transaction,
};

const ADMIN = { kind: 'admin' as const, id: 'ops-1' };
const AT = '2026-01-01T00:10:00.000Z';

const KEY_REQUIRED: ErrorDoc = {
  status: 400,
  code: 'IDEMPOTENCY.KEY_REQUIRED',
  detail: 'send an Idempotency-Key header or an idempotencyKey field',
};
const KEY_REUSED: ErrorDoc = {
  status: 409,
  code: 'IDEMPOTENCY.KEY_REUSED',
  detail: 'this idempotency key was used for a different request',
};
const NOT_FOUND: ErrorDoc = {
  status: 404,
  code: 'TRANSACTION.NOT_FOUND',
  detail: `transaction ${ex.IDS.transaction} not found`,
};

function pending(action: 'retry' | 'flag' | 'clear'): SuccessDoc {
  return success(
    202,
    'PendingOperatorAction',
    "Sent; the saga's answer did not arrive within the wait. It will still be decided: the timeline shows it.",
    { transactionId: ex.IDS.transaction, action, status: 'pending' },
    ['Location'],
  );
}

function common(what: string): ErrorDoc[] {
  return [
    KEY_REQUIRED,
    WAIT_TOO_LONG,
    ...BODY_ERRORS,
    ...AUTH_ERRORS,
    { status: 403, code: 'AUTH.FORBIDDEN', detail: `only an admin may ${what}` },
    NOT_FOUND,
    KEY_REUSED,
    COMMAND_UNAVAILABLE,
    COMMAND_NOT_CONFIRMED,
  ];
}

const ANSWERS =
  " Admins only (an owner's key is 403). Sends the command to the transaction's saga and answers with its " +
  'decision: 200 with what was done, a problem for a refusal, or 202 when the answer takes longer than ' +
  'the wait (the longer of Prefer: wait and a few seconds). Idempotent by key: the same key again is ' +
  'answered with what the first request did (`replayed: true`) and nothing is done twice; the same key ' +
  'with another action or note is 409 IDEMPOTENCY.KEY_REUSED.';

export const RETRY_TRANSACTION_STEP: RouteDescription = {
  operationId: 'retryTransactionStep',
  tag: 'Operations',
  summary: "Retry a stuck transaction's current step",
  description:
    'Re-drives the step the saga waits on: a ledger step is sent again as the very same command (same ' +
    'command id and step), so the ledger answers it as a replay if it was applied already and money never ' +
    'moves twice, and its deadline is armed again; a scheduled provider, void or capture attempt is made ' +
    'due now. A completed, failed or reversed transaction, or one that only a person can settle, is 409 ' +
    'TRANSACTION.NOT_RETRYABLE.' +
    ANSWERS,
  pathId: TRANSACTION_ID,
  headers: ['Idempotency-Key', 'Prefer'],
  body: body('RetryStepRequest', {}),
  success: [
    success(
      200,
      'OperatorActionResult',
      'The saga re-drove its step.',
      {
        transactionId: ex.IDS.transaction,
        action: 'retry',
        outcome: 'retried',
        step: 'PlaceHold',
        note: null,
        actor: ADMIN,
        at: AT,
        replayed: false,
      },
      ['Location'],
    ),
    pending('retry'),
  ],
  errors: [
    invalidField('idempotencyKey', 'idempotencyKey must be 8-128 letters, digits or _.:-'),
    ...common('retry a transaction step'),
    {
      status: 409,
      code: 'TRANSACTION.NOT_RETRYABLE',
      detail: 'the transaction is completed; there is no step to retry',
    },
  ],
};

export const FLAG_TRANSACTION: RouteDescription = {
  operationId: 'flagTransactionForInvestigation',
  tag: 'Operations',
  summary: 'Flag a transaction for investigation',
  description:
    'Marks the transaction, whatever its status, for a person to investigate, with a note and the admin ' +
    'who flagged it; flagging a flagged one replaces the note. Changes nothing about the money. The read ' +
    'side shows the flag on the transaction, in the stuck and needs-attention lists (which filter by ' +
    '`flagged`) and in the timeline.' +
    ANSWERS,
  pathId: TRANSACTION_ID,
  headers: ['Idempotency-Key', 'Prefer'],
  body: body('FlagInvestigationRequest', { note: 'customer says the payout never arrived' }),
  success: [
    success(
      200,
      'OperatorActionResult',
      'The saga flagged the transaction.',
      {
        transactionId: ex.IDS.transaction,
        action: 'flag',
        outcome: 'flagged',
        step: null,
        note: 'customer says the payout never arrived',
        actor: ADMIN,
        at: AT,
        replayed: false,
      },
      ['Location'],
    ),
    pending('flag'),
  ],
  errors: [invalidField('note', 'note must not be blank'), ...common('flag a transaction for investigation')],
};

export const CLEAR_TRANSACTION_FLAG: RouteDescription = {
  operationId: 'clearTransactionInvestigation',
  tag: 'Operations',
  summary: "Clear a transaction's investigation flag",
  description:
    'Takes the investigation flag off, optionally with a note of what was found (kept in the timeline). ' +
    'A transaction that is not flagged is 409 INVESTIGATION.NOT_FLAGGED.' +
    ANSWERS,
  pathId: TRANSACTION_ID,
  headers: ['Idempotency-Key', 'Prefer'],
  body: body('ClearInvestigationRequest', { note: 'the provider confirmed the payout' }),
  success: [
    success(
      200,
      'OperatorActionResult',
      'The saga cleared the flag.',
      {
        transactionId: ex.IDS.transaction,
        action: 'clear',
        outcome: 'cleared',
        step: null,
        note: 'the provider confirmed the payout',
        actor: ADMIN,
        at: AT,
        replayed: false,
      },
      ['Location'],
    ),
    pending('clear'),
  ],
  errors: [
    invalidField('note', 'note must be at most 500 characters'),
    ...common('clear an investigation flag'),
    {
      status: 409,
      code: 'INVESTIGATION.NOT_FLAGGED',
      detail: `transaction ${ex.IDS.transaction} is not flagged for investigation`,
    },
  ],
};
