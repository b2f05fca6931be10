import type { ErrorCode } from '@billing/contracts/errors';
import { IdempotencyKeySchema } from '@billing/contracts/messages/transactions';
import { z } from 'zod';
import type { FieldError } from '../http/problem';
import { PREFER_WAIT_MAX_SECONDS } from '../http/prefer';
import type { HttpMethod } from './openapi-types';
import { REQUEST_BODIES, RESPONSE_BODIES, type RequestBodyName, type ResponseBodyName } from './schemas';

/**
 * How one route is described before it becomes OpenAPI: the zod schemas it is checked against and
 * examples typed by those schemas. Each controller handler carries its description in `@ApiRoute`
 * (api-route.ts), the method and path come from its Nest decorators, and document.ts turns the result into
 * paths, so every operation gets its parameters, examples and problem responses in the same shape.
 */

/** Statuses answered with a JSON body of the route's own (readiness answers 503 that way too). */
export type SuccessStatus = 200 | 201 | 202 | 503;
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503;
export type HeaderName = 'Idempotency-Key' | 'Prefer' | 'Last-Event-ID';
export type ResponseHeaderName = 'Location' | 'Preference-Applied';

export interface BodyDoc {
  name: RequestBodyName;
  schema: z.ZodType;
  example: unknown;
}

export interface SuccessDoc {
  status: SuccessStatus;
  description: string;
  name: ResponseBodyName;
  schema: z.ZodType;
  example: unknown;
  headers: ResponseHeaderName[];
}

/** A refusal the route can answer with; several with one status become named examples of it. */
export interface ErrorDoc {
  status: ErrorStatus;
  code: ErrorCode;
  detail: string;
  errors?: FieldError[];
}

export interface StreamDoc {
  description: string;
  example: string;
}

export interface RouteDoc {
  method: HttpMethod;
  /** The OpenAPI path, with {id} where Nest has :id; derived from the controller's decorators. */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description: string;
  /** True for the routes the API-key guard lets through (health). */
  open?: boolean;
  /** The {id} path parameter, when the path has one. */
  pathId?: { description: string; example: string };
  /** The query-string schema as the route parses it; its field descriptions become the parameters'. */
  query?: { schema: z.ZodObject; example: Record<string, string> };
  headers?: HeaderName[];
  body?: BodyDoc;
  success: SuccessDoc[];
  /** A text/event-stream answer instead of a JSON one. */
  stream?: StreamDoc;
  errors: ErrorDoc[];
}

/**
 * What a route's `@ApiRoute` says: everything but its method and path, which the Nest decorators beside it
 * declare.
 */
export type RouteDescription = Omit<RouteDoc, 'method' | 'path'>;

/** A request body whose example is typed by the schema the controller parses it with. */
export function body<N extends RequestBodyName>(
  name: N,
  example: z.input<(typeof REQUEST_BODIES)[N]>,
): BodyDoc {
  return { name, schema: REQUEST_BODIES[name], example };
}

/** A success answer whose example is typed by its response schema. */
export function success<N extends ResponseBodyName>(
  status: SuccessStatus,
  name: N,
  description: string,
  example: z.output<(typeof RESPONSE_BODIES)[N]>,
  headers: ResponseHeaderName[] = [],
): SuccessDoc {
  return { status, description, name, schema: RESPONSE_BODIES[name], example, headers };
}

export const HEADER_PARAMETERS: Record<
  HeaderName,
  { description: string; schema: z.ZodType; example: string }
> = {
  'Idempotency-Key': {
    description:
      'Names the request so that a retry is answered with the same transaction instead of moving money twice. ' +
      'Required unless the body carries idempotencyKey; both present must agree. The same key with a ' +
      'different body is 409 IDEMPOTENCY.KEY_REUSED.',
    schema: IdempotencyKeySchema,
    example: 'order-2026-0001',
  },
  Prefer: {
    description:
      `RFC 7240 \`wait=N\` (N at most ${PREFER_WAIT_MAX_SECONDS}): wait up to N seconds for the final ` +
      'state and answer 200 with it, instead of 202 at once.',
    schema: z.string().regex(/wait\s*=\s*"?\d+"?/i),
    example: 'wait=5',
  },
  'Last-Event-ID': {
    description:
      'The id of the last event received (browsers send it when they reconnect): the stream replays ' +
      'the events after it that this gateway still buffers, then goes on live. Only the first 128 ' +
      'characters are read.',
    schema: z.string().min(1),
    example: '0192f0a0-0000-7000-8000-00000000000a',
  },
};

export const RESPONSE_HEADERS: Record<ResponseHeaderName, { description: string; example: string }> = {
  Location: {
    description: 'Where the created or pending resource can be read.',
    example: '/api/v1/transactions/0192f0a0-0000-7000-8000-000000000003',
  },
  'Preference-Applied': {
    description: 'Echoes the Prefer: wait that was honoured.',
    example: 'wait=5',
  },
};

/**
 * Headers every /api/v1 route reads and answers with, whatever the route: the correlation id that the
 * request's commands, events and log lines carry, and the W3C trace context (docs/observability.md).
 */
export const CORRELATION_PARAMETERS: {
  name: string;
  description: string;
  schema: z.ZodType;
  example: string;
}[] = [
  {
    name: 'X-Correlation-Id',
    description:
      'A UUID naming this request across the services: it goes on every command the request causes, on ' +
      'the events those cause and on every log line about them. X-Request-Id is read when it is absent; ' +
      'anything that is not a UUID is ignored and the gateway makes one.',
    schema: z.uuid(),
    example: '0192f0a0-0000-7000-8000-0000000000c1',
  },
  {
    name: 'traceparent',
    description: 'W3C trace context: the request joins this trace (the answer names it in traceresponse).',
    schema: z.string().regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/),
    example: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  },
];

export const CORRELATION_RESPONSE_HEADERS: Record<string, { description: string; example: string }> = {
  'X-Correlation-Id': {
    description: 'The correlation id of this request: the one sent, or the one the gateway made.',
    example: '0192f0a0-0000-7000-8000-0000000000c1',
  },
  traceresponse: {
    description:
      "W3C trace response: the trace this request belongs to (the caller's traceparent's, or a new one).",
    example: '00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01',
  },
};

/**
 * Refusals the guard gives every /api/v1 route before its handler runs: no or a wrong credential, and
 * the per-caller rate limit (counted per address for requests without a valid credential).
 */
export const AUTH_ERRORS: ErrorDoc[] = [
  {
    status: 401,
    code: 'AUTH.UNAUTHENTICATED',
    detail: 'send an API key in X-API-Key or Authorization: Bearer',
  },
  { status: 401, code: 'AUTH.UNAUTHENTICATED', detail: 'the bearer token is not valid' },
  { status: 429, code: 'RATE.LIMITED', detail: 'too many requests; retry after the given seconds' },
];

export const QUERY_UNAVAILABLE: ErrorDoc = {
  status: 503,
  code: 'QUERY.TIMEOUT',
  detail: 'the read side did not answer in time',
};

export const COMMAND_UNAVAILABLE: ErrorDoc = {
  status: 503,
  code: 'SERVICE.UNAVAILABLE',
  detail: 'the command could not be accepted; nothing was emitted, retry with the same idempotency key',
};

/** The broker did not acknowledge in time: the command may still land; a retry with the same key is safe. */
export const COMMAND_NOT_CONFIRMED: ErrorDoc = {
  status: 503,
  code: 'COMMAND.NOT_CONFIRMED',
  detail:
    'the broker did not confirm the command within 5000 ms; it may still be accepted. Retry with the same idempotency key: that is safe',
};

/** Refusals of a request body before any schema is applied: Fastify's parser and limits. */
export const BODY_ERRORS: ErrorDoc[] = [
  { status: 400, code: 'REQUEST.MALFORMED_JSON', detail: 'the body is not valid JSON' },
  { status: 413, code: 'REQUEST.TOO_LARGE', detail: 'the body exceeds the size limit' },
  { status: 415, code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE', detail: 'send the body as application/json' },
];

/** A 400 for one bad field, shaped as validationProblem in src/http/problem.ts builds it. */
export function invalidField(field: string, message: string, code: ErrorCode = 'REQUEST.INVALID'): ErrorDoc {
  return { status: 400, code, detail: `${field}: ${message}`, errors: [{ field, code, message }] };
}

export const UNKNOWN_QUERY_PARAMETER: ErrorDoc = {
  status: 400,
  code: 'REQUEST.INVALID',
  detail: 'sort: unknown field',
  errors: [{ field: 'sort', code: 'REQUEST.INVALID', message: 'unknown field' }],
};

export const WAIT_TOO_LONG: ErrorDoc = {
  status: 400,
  code: 'REQUEST.INVALID',
  detail: `Prefer: wait may be at most ${PREFER_WAIT_MAX_SECONDS} seconds`,
};
