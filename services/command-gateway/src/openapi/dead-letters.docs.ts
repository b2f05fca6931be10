import type { DeadLetterDetails, DeadLetterSummary } from '@billing/contracts/messages/queries';
import { DeadLettersQuery } from '../admin/dead-letter-queries';
import { NoQuery } from '../read/read-queries';
import * as ex from './examples';
import {
  AUTH_ERRORS,
  BODY_ERRORS,
  body,
  COMMAND_NOT_CONFIRMED,
  COMMAND_UNAVAILABLE,
  invalidField,
  QUERY_UNAVAILABLE,
  success,
  UNKNOWN_QUERY_PARAMETER,
  type ErrorDoc,
  type RouteDescription,
} from './route-model';

/** What the routes of DeadLettersController document: the list, one dead letter, and a replay. */

const DEAD_LETTER_ID = '1:42';
const REPLAY_ID = ex.IDS.replay;
const UNKNOWN_VERSION_DETAIL =
  'RequestTopUp v2 is not a version consumers of billing.transaction.commands accept (they accept v1)';

const summary: DeadLetterSummary = {
  id: DEAD_LETTER_ID,
  deadLetteredAt: ex.CREATED_AT,
  originalTopic: 'billing.transaction.commands',
  originalPartition: 4,
  originalOffset: '1187',
  consumerGroup: 'saga-orchestrator.workflows',
  messageType: 'RequestTopUp',
  messageId: ex.IDS.command,
  errorCode: 'MESSAGE.UNKNOWN_VERSION',
  errorDetail: UNKNOWN_VERSION_DETAIL,
  key: ex.IDS.transaction,
  replayState: 'failed',
  replayService: 'saga-orchestrator',
  replayRefusal: null,
  lastReplay: {
    replayId: REPLAY_ID,
    requestedAt: ex.UPDATED_AT,
    requestedBy: 'admin:admin-1',
    outcome: 'failed',
    completedAt: ex.UPDATED_AT,
    code: 'MESSAGE.UNKNOWN_VERSION',
    detail: UNKNOWN_VERSION_DETAIL,
  },
};

const details: DeadLetterDetails = {
  ...summary,
  value: '{"messageId":"0192f0a0-0000-7000-8000-000000000005","type":"RequestTopUp","version":2,"data":{}}',
  headers: {
    'message-type': 'RequestTopUp',
    'message-id': ex.IDS.command,
    'dlq-error-code': 'MESSAGE.UNKNOWN_VERSION',
    'dlq-error-detail': UNKNOWN_VERSION_DETAIL,
    'dlq-original-topic': 'billing.transaction.commands',
    'dlq-original-partition': '4',
    'dlq-original-offset': '1187',
    'dlq-consumer-group': 'saga-orchestrator.workflows',
  },
  replays: summary.lastReplay ? [summary.lastReplay] : [],
};

const ADMIN_ONLY: ErrorDoc = {
  status: 403,
  code: 'AUTH.FORBIDDEN',
  detail: 'only an admin may list dead letters',
};
const NOT_FOUND: ErrorDoc = {
  status: 404,
  code: 'DEAD_LETTER.NOT_FOUND',
  detail: `dead letter ${DEAD_LETTER_ID} not found`,
};
const idDoc = {
  description: 'The dead letter: `<partition>:<offset>` on the dead-letter topic (anything else is 404).',
  example: DEAD_LETTER_ID,
};

export const LIST_DEAD_LETTERS: RouteDescription = {
  operationId: 'listDeadLetters',
  tag: 'Operations',
  summary: 'Dead letters',
  description:
    'The messages consumers could not handle, newest first: where each came from (topic, partition, ' +
    'offset, consumer group), what it is (type, message id), why it was refused (error code and detail) ' +
    'and what its latest replay came to. `replayService` names the service that would replay it; when ' +
    'it is null, `replayRefusal` says why none can and what to do instead. Admins only.',
  query: { schema: DeadLettersQuery, example: { errorCode: 'MESSAGE.UNKNOWN_VERSION', limit: '20' } },
  success: [
    success(200, 'DeadLetterPage', 'One page of dead letters.', { items: [summary], nextCursor: null }),
  ],
  errors: [
    invalidField('state', 'Invalid option: expected one of "not_replayed"|"requested"|"replayed"|"failed"'),
    UNKNOWN_QUERY_PARAMETER,
    ...AUTH_ERRORS,
    ADMIN_ONLY,
    QUERY_UNAVAILABLE,
  ],
};

export const GET_DEAD_LETTER: RouteDescription = {
  operationId: 'getDeadLetter',
  tag: 'Operations',
  summary: 'One dead letter',
  description:
    'A dead letter in full: its headers, key and the original value as it was refused (a string: it may ' +
    'not be JSON, which may be why it is here), and its replays, newest first. Admins only.',
  pathId: idDoc,
  query: { schema: NoQuery, example: {} },
  success: [success(200, 'DeadLetterDetails', 'The dead letter.', details)],
  errors: [
    UNKNOWN_QUERY_PARAMETER,
    ...AUTH_ERRORS,
    { status: 403, code: 'AUTH.FORBIDDEN', detail: 'only an admin may see dead letters' },
    NOT_FOUND,
    QUERY_UNAVAILABLE,
  ],
};

export const REPLAY_DEAD_LETTER: RouteDescription = {
  operationId: 'replayDeadLetter',
  tag: 'Operations',
  summary: 'Replay a dead letter',
  description:
    'Asks the service whose consumer refused the message to read it again from its original topic and ' +
    'offset and feed it through the same handler. Answers 202 at once; the outcome (replayed, or failed ' +
    'again with its code and detail) appears on the dead letter once the service has answered. Consumers ' +
    'recognise a message applied before, so a replay never applies anything twice. The Idempotency-Key ' +
    'names the replay: a retry with the same key is answered with the same replay and sends nothing. ' +
    'A dead letter that was replayed is 409; so is one no service can replay (see replayRefusal). Admins only.',
  pathId: idDoc,
  headers: ['Idempotency-Key'],
  body: body('ReplayDeadLetterRequest', {}),
  success: [
    success(
      202,
      'ReplayAccepted',
      'The replay was asked for (or, for a repeated key, what it has come to).',
      { deadLetterId: DEAD_LETTER_ID, replayId: REPLAY_ID, replayState: 'requested' },
      ['Location'],
    ),
  ],
  errors: [
    {
      status: 400,
      code: 'IDEMPOTENCY.KEY_REQUIRED',
      detail: 'send an Idempotency-Key header or an idempotencyKey field',
    },
    ...BODY_ERRORS,
    ...AUTH_ERRORS,
    { status: 403, code: 'AUTH.FORBIDDEN', detail: 'only an admin may replay dead letters' },
    NOT_FOUND,
    {
      status: 409,
      code: 'DEAD_LETTER.ALREADY_REPLAYED',
      detail: `dead letter ${DEAD_LETTER_ID} was replayed at ${ex.UPDATED_AT}; its handler took it`,
    },
    {
      status: 409,
      code: 'DEAD_LETTER.NOT_REPLAYABLE',
      detail:
        'the read side skips offsets it has passed, so feeding it the original again would change nothing: once its consumer is fixed, `npm run projections:rebuild` reads the topics again (or `npm run dlq -- replay` puts the message back on its topic)',
    },
    QUERY_UNAVAILABLE,
    COMMAND_UNAVAILABLE,
    COMMAND_NOT_CONFIRMED,
  ],
};
