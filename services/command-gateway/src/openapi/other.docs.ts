import { HealthController } from '@billing/platform/health';
import { EventStreamQuery, NoQuery } from '../read/read-queries';
import type { ExternalDescriptions } from './api-route';
import * as ex from './examples';
import {
  AUTH_ERRORS,
  invalidField,
  QUERY_UNAVAILABLE,
  success,
  UNKNOWN_QUERY_PARAMETER,
  type RouteDescription,
} from './route-model';

/**
 * What the remaining routes document beyond their Nest routes: reports, reference data, the event stream
 * and the health probes. The probes are documented too, so that the document lists every route the
 * gateway registers; their controller lives in a shared package, so the descriptions are attached here.
 */

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

export const GET_TRIAL_BALANCE: RouteDescription = {
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
};

export const LIST_CURRENCIES: RouteDescription = {
  operationId: 'listCurrencies',
  tag: 'Reports',
  summary: 'Known currencies',
  description: 'The currencies the ledger knows, with their scale (decimal places) and kind.',
  query: { schema: NoQuery, example: {} },
  success: [success(200, 'CurrencyList', 'The currencies.', ex.currencyList)],
  errors: [UNKNOWN_QUERY_PARAMETER, ...AUTH_ERRORS, QUERY_UNAVAILABLE],
};

export const STREAM_EVENTS: RouteDescription = {
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
};

export const LIVE: RouteDescription = {
  operationId: 'live',
  tag: 'Health',
  summary: 'Liveness probe',
  description: 'The process is up. Open: no API key.',
  open: true,
  success: [success(200, 'Liveness', 'Up.', { status: 'ok' })],
  errors: [],
};

export const READY: RouteDescription = {
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
};

/** The health probes' controller is shared by every service, so its descriptions are attached here. */
export const HEALTH_DESCRIPTIONS: ExternalDescriptions = new Map([
  [HealthController, { live: LIVE, ready: READY }],
]);
