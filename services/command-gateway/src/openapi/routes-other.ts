import { UuidSchema } from '@billing/contracts/uuid';
import { z } from 'zod';
import * as ex from './examples';
import {
  AUTH_ERRORS,
  invalidField,
  QUERY_UNAVAILABLE,
  success,
  UNKNOWN_QUERY_PARAMETER,
  type RouteDoc,
} from './route-model';

/**
 * The remaining routes: reports, reference data, the event stream and the health probes. The probes are
 * documented too, so that the document lists every route the gateway registers.
 */

export const NoQuery = z.strictObject({});

/**
 * The stream's filter as the client sends it, repeated from the events controller, which keeps its own
 * private. That at least one of the two is required cannot be said with parameters, so the description
 * and the 400 example say it.
 */
export const EventStreamQuery = z.strictObject({
  accountId: UuidSchema.optional().describe('Follow the events touching this account.'),
  transactionId: UuidSchema.optional().describe('Follow the events of this transaction.'),
});

/** Event ids are the events' message ids; each frame's data is {type, occurredAt, data}. */
const EVENT_ID = '0192f0a0-0000-7000-8000-00000000000a';

const STREAM_EXAMPLE = [
  ': stream open',
  '',
  `id: ${EVENT_ID}`,
  'event: TransactionCompleted',
  `data: ${JSON.stringify({ type: 'TransactionCompleted', occurredAt: ex.UPDATED_AT, data: ex.topUpCompleted })}`,
  '',
  ': heartbeat',
  '',
  '',
].join('\n');

export const OTHER_ROUTES: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/v1/reports/trial-balance',
    operationId: 'getTrialBalance',
    tag: 'Reports',
    summary: 'Trial balance',
    description:
      'Debits and credits per currency over every posting the read side has applied; net is zero for a ' +
      'consistent ledger. Admins only.',
    query: { schema: NoQuery, example: {} },
    success: [success(200, 'TrialBalance', 'The totals per currency.', ex.trialBalance)],
    errors: [
      UNKNOWN_QUERY_PARAMETER,
      ...AUTH_ERRORS,
      { status: 403, code: 'AUTH.FORBIDDEN', detail: 'only an admin may read the trial balance' },
      QUERY_UNAVAILABLE,
    ],
  },
  {
    method: 'get',
    path: '/api/v1/currencies',
    operationId: 'listCurrencies',
    tag: 'Reports',
    summary: 'Known currencies',
    description: 'The currencies the ledger knows, with their scale (decimal places) and kind.',
    query: { schema: NoQuery, example: {} },
    success: [success(200, 'CurrencyList', 'The currencies.', ex.currencyList)],
    errors: [UNKNOWN_QUERY_PARAMETER, ...AUTH_ERRORS, QUERY_UNAVAILABLE],
  },
  {
    method: 'get',
    path: '/api/v1/events/stream',
    operationId: 'streamEvents',
    tag: 'Events',
    summary: 'Follow an account or a transaction (Server-Sent Events)',
    description:
      'A text/event-stream of the events of an account, a transaction, or both, as they happen: each ' +
      'frame has the event id, its type as the event name, and `{type, occurredAt, data}` as data. Heartbeat ' +
      'comments keep proxies from closing it; it ends after its maximum lifetime or when a bearer token ' +
      'expires. Reconnecting with Last-Event-ID replays what was missed, or sends a `replay-gap` event when ' +
      "that is no longer buffered. The read routes' visibility applies: an account or transaction the caller " +
      'may not see is 404.',
    query: { schema: EventStreamQuery, example: { transactionId: ex.IDS.transaction } },
    headers: ['Last-Event-ID'],
    success: [],
    stream: {
      description: 'The event stream; it stays open until the client closes it.',
      example: STREAM_EXAMPLE,
    },
    errors: [
      invalidField('accountId', 'name an accountId, a transactionId, or both'),
      UNKNOWN_QUERY_PARAMETER,
      ...AUTH_ERRORS,
      { status: 404, code: 'ACCOUNT.NOT_FOUND', detail: `account ${ex.IDS.userAccount} not found` },
      { status: 404, code: 'TRANSACTION.NOT_FOUND', detail: `transaction ${ex.IDS.transaction} not found` },
      { status: 429, code: 'RATE.LIMITED', detail: 'at most 5 open streams per caller' },
      QUERY_UNAVAILABLE,
      { status: 503, code: 'SERVICE.UNAVAILABLE', detail: 'this gateway holds as many streams as it may' },
    ],
  },
  {
    method: 'get',
    path: '/health/live',
    operationId: 'live',
    tag: 'Health',
    summary: 'Liveness probe',
    description: 'The process is up. Open: no API key.',
    open: true,
    success: [success(200, 'Liveness', 'Up.', { status: 'ok' })],
    errors: [],
  },
  {
    method: 'get',
    path: '/health/ready',
    operationId: 'ready',
    tag: 'Health',
    summary: 'Readiness probe',
    description:
      'The gateway reaches Kafka and can take traffic: 200, otherwise 503 with the failing checks. Open.',
    open: true,
    success: [
      success(200, 'Readiness', 'Ready.', {
        status: 'ok',
        checks: [
          { name: 'kafka', ok: true },
          { name: 'followers', ok: true },
          { name: 'waiters', ok: true, detail: { waiting: 0 } },
        ],
      }),
      success(503, 'Readiness', 'Not ready: the failing checks say why.', {
        status: 'unavailable',
        checks: [
          { name: 'kafka', ok: false },
          { name: 'followers', ok: false },
          { name: 'waiters', ok: true, detail: { waiting: 0 } },
        ],
      }),
    ],
    errors: [],
  },
];
