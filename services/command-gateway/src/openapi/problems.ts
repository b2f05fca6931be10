import type { ExampleObject, ResponseObject } from './openapi-types';
import type { ErrorDoc, ErrorStatus } from './route-model';
import { componentRef, type Problem } from './schemas';

/**
 * Problem responses for the document: one application/problem+json response per status a route can
 * refuse with, each refusal a named example. The examples are built the way src/http/problem.ts sends
 * problems; the unit test renders each through sendProblem itself and compares, so they cannot drift.
 */

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** The titles sendProblem gives each status (RFC 9110 reason phrases). */
const TITLES: Record<ErrorStatus, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

const DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: 'The request is malformed or fails validation; `errors` names each bad field.',
  401: 'No API key, or one that is not valid.',
  403: 'The key is valid but may not do this.',
  404: 'No such resource, or one the caller may not see.',
  409: 'The request conflicts with an earlier one.',
  413: 'The body exceeds the size limit.',
  415: 'The body is not application/json.',
  422: 'Well-formed, but the ledger refuses it.',
  429: 'Over the per-caller rate limit (retry after the seconds Retry-After gives), or too many open streams.',
  503: 'Kafka or the read side is out of reach; retrying later (with the same idempotency key) is safe.',
};

export function problemExample(error: ErrorDoc, instance: string): Problem {
  return {
    type: `https://errors.billing.example/${error.code.toLowerCase().replace(/\./g, '/')}`,
    title: TITLES[error.status],
    status: error.status,
    code: error.code,
    detail: error.detail,
    instance,
    ...(error.errors && error.errors.length > 0 ? { errors: error.errors } : {}),
  };
}

/** The problem responses of one operation, keyed by status, in ascending order. */
export function problemResponses(errors: ErrorDoc[], instance: string): Record<string, ResponseObject> {
  const byStatus = new Map<ErrorStatus, Record<string, ExampleObject>>();
  for (const error of [...errors].sort((a, b) => a.status - b.status)) {
    const examples = byStatus.get(error.status) ?? {};
    // Two refusals with one code (two kinds of REQUEST.INVALID) still need distinct example names.
    let name: string = error.code;
    for (let n = 2; name in examples; n += 1) name = `${error.code} (${n})`;
    examples[name] = { summary: error.detail, value: problemExample(error, instance) };
    byStatus.set(error.status, examples);
  }
  const responses: Record<string, ResponseObject> = {};
  for (const [status, examples] of byStatus) {
    const response: ResponseObject = {
      description: DESCRIPTIONS[status],
      content: { [PROBLEM_MEDIA_TYPE]: { schema: componentRef('Problem'), examples } },
    };
    if (status === 429) {
      response.headers = {
        'Retry-After': {
          description: 'Seconds to wait before retrying (sent by the rate limit).',
          schema: { type: 'integer' },
          example: 1,
        },
      };
    }
    if (status === 401) {
      response.headers = {
        'WWW-Authenticate': {
          description: 'The scheme to authenticate with.',
          schema: { type: 'string' },
          example: 'Bearer',
        },
      };
    }
    responses[String(status)] = response;
  }
  return responses;
}
