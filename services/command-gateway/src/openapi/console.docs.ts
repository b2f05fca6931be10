import type { TransactionActivity, TransactionTimeline } from '@billing/contracts/messages/queries';
import { ActivityQuery, NoQuery } from '../read/read-queries';
import * as ex from './examples';
import {
  AUTH_ERRORS,
  invalidField,
  QUERY_UNAVAILABLE,
  success,
  UNKNOWN_QUERY_PARAMETER,
  type RouteDescription,
} from './route-model';

/** What the routes of ConsoleReadController document: the caller, the activity report and a timeline. */

const minute = (m: number) => new Date(Date.parse(ex.CREATED_AT) + m * 60_000).toISOString();

const activity: TransactionActivity = {
  from: minute(0),
  to: minute(2),
  perMinute: [
    { minute: minute(0), created: 12, completed: 10, failed: 1, reversed: 0, pending: 1, needsAttention: 0 },
    { minute: minute(1), created: 7, completed: 7, failed: 0, reversed: 0, pending: 0, needsAttention: 0 },
  ],
  latencyMs: { count: 17, p50: 180, p95: 900, max: 1400 },
  pending: 1,
  stuck: 0,
  needsAttention: 0,
  stuckAfterMs: 300_000,
};

const timeline: TransactionTimeline = {
  transactionId: ex.IDS.transaction,
  status: 'completed',
  steps: [
    {
      at: ex.CREATED_AT,
      kind: 'created',
      label: 'created',
      accountId: null,
      amount: null,
      side: null,
      actor: null,
      note: null,
      provider: null,
    },
    {
      at: ex.UPDATED_AT,
      kind: 'posting',
      label: 'post',
      accountId: ex.IDS.userAccount,
      amount: '25.00',
      side: 'credit',
      actor: null,
      note: null,
      provider: null,
    },
    {
      at: ex.UPDATED_AT,
      kind: 'finished',
      label: 'completed',
      accountId: null,
      amount: null,
      side: null,
      actor: null,
      note: null,
      provider: null,
    },
  ],
  entries: [
    {
      accountId: ex.IDS.userAccount,
      version: 2,
      entryId: ex.IDS.entry,
      step: 'post',
      side: 'credit',
      amount: '25.00',
      balanceAfter: '25.00',
      reversesEntryId: null,
      postedAt: ex.UPDATED_AT,
    },
  ],
  holds: [],
};

export const GET_CALLER: RouteDescription = {
  operationId: 'getCaller',
  tag: 'Reports',
  summary: 'Who the credential is',
  description:
    'The caller as the gateway authenticated the API key or JWT: its kind (admin, owner or system) and id. ' +
    'An owner id is what the owner routes filter by.',
  query: { schema: NoQuery, example: {} },
  success: [success(200, 'Caller', 'The caller.', { kind: 'owner', id: 'user_123' })],
  errors: [UNKNOWN_QUERY_PARAMETER, ...AUTH_ERRORS],
};

export const GET_TRANSACTION_ACTIVITY: RouteDescription = {
  operationId: 'getTransactionActivity',
  tag: 'Reports',
  summary: 'Transaction activity per minute',
  description:
    'The transactions created in each of the last `minutes` minutes, counted by the status they have now; ' +
    'the latency (creation to completion) of those that completed; and how many are pending, stuck ' +
    '(pending past the stuck threshold) or need attention now. Admins only.',
  query: { schema: ActivityQuery, example: { minutes: '60' } },
  success: [success(200, 'TransactionActivity', 'The activity of the window.', activity)],
  errors: [
    invalidField('minutes', 'Too big: expected number to be <=1440'),
    UNKNOWN_QUERY_PARAMETER,
    ...AUTH_ERRORS,
    { status: 403, code: 'AUTH.FORBIDDEN', detail: 'only an admin may read the transaction activity' },
    QUERY_UNAVAILABLE,
  ],
};

export const GET_TRANSACTION_TIMELINE: RouteDescription = {
  operationId: 'getTransactionTimeline',
  tag: 'Transactions',
  summary: "A transaction's timeline",
  description:
    'What happened to the transaction in time order, as the read side saw it: created, each hold placed ' +
    'and captured, released or expired, each ledger posting (with its step, account, side, amount and ' +
    'the balance after it), and the final status. A transaction that touches none of an owner’s accounts ' +
    'is 404 for that owner.',
  pathId: {
    description: 'The transaction id (a UUID; anything else is 404).',
    example: ex.IDS.transaction,
  },
  query: { schema: NoQuery, example: {} },
  success: [success(200, 'TransactionTimeline', 'The timeline.', timeline)],
  errors: [
    UNKNOWN_QUERY_PARAMETER,
    ...AUTH_ERRORS,
    { status: 404, code: 'TRANSACTION.NOT_FOUND', detail: `transaction ${ex.IDS.transaction} not found` },
    QUERY_UNAVAILABLE,
  ],
};
