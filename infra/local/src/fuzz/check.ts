import type { FuzzRequest, FuzzResponse } from './http';
import type { ApiSpec } from './spec';

/**
 * What every answer must satisfy. A violation is one of: a 5xx other than a documented 503; a status the
 * document does not list for the operation; a refusal that is not application/problem+json, does not
 * match the Problem schema, or has a `code` the document does not list for that operation and status;
 * a success whose body does not match the documented schema.
 *
 * A 503 with a code the operation documents for it (QUERY.TIMEOUT, SERVICE.UNAVAILABLE,
 * COMMAND.NOT_CONFIRMED) is the system saying it is overloaded, which is allowed: it is counted as
 * `unavailable` and reported apart, and is a violation only with `strictUnavailable`.
 */

export type Verdict =
  { outcome: 'ok' } | { outcome: 'unavailable' } | { outcome: 'violation'; reason: string };

/**
 * Codes any route may answer with beyond its own list: the router's 404 ROUTE.NOT_FOUND for a path it
 * cannot decode or whose segment is longer than any id (it answers before an operation is chosen), and
 * the request deadline of the HTTP hardening (503 SERVICE.UNAVAILABLE), which applies to every route alike.
 */
export const GLOBAL_CODES: Record<number, string[]> = {
  404: ['ROUTE.NOT_FOUND'],
  503: ['SERVICE.UNAVAILABLE'],
};

/** What a route the document does not have is answered with. */
const UNROUTED: Record<number, string[]> = { 404: ['ROUTE.NOT_FOUND'] };

const PROBLEM_TYPE = 'application/problem+json';

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function checkProblem(
  spec: ApiSpec,
  response: FuzzResponse,
  codes: Set<string>,
): { reason: string } | { code: string } {
  if (!response.contentType.startsWith(PROBLEM_TYPE))
    return { reason: `${response.status} with content type "${response.contentType}", not ${PROBLEM_TYPE}` };
  const parsed = parseJson(response.text);
  if (!parsed.ok) return { reason: `${response.status} with a body that is not JSON` };
  const errors = spec.validate({ $ref: '#/components/schemas/Problem' }, parsed.value);
  if (errors.length > 0) return { reason: `problem does not match the Problem schema: ${errors.join('; ')}` };
  const problem = parsed.value as { status: number; code: string };
  if (problem.status !== response.status)
    return { reason: `problem says status ${problem.status} but the answer is ${response.status}` };
  if (!codes.has(problem.code)) {
    return {
      reason: `code ${problem.code} is not documented for ${response.status} (documented: ${[...codes].join(', ') || 'none'})`,
    };
  }
  return { code: problem.code };
}

export function checkResponse(
  spec: ApiSpec,
  request: FuzzRequest,
  response: FuzzResponse,
  strictUnavailable: boolean,
): Verdict {
  const op = spec.match(request.method, request.path);
  const status = response.status;
  if (!op) {
    const result = checkProblem(
      spec,
      response,
      new Set([...(UNROUTED[status] ?? []), ...(GLOBAL_CODES[status] ?? [])]),
    );
    return 'reason' in result
      ? { outcome: 'violation', reason: `undocumented route: ${result.reason}` }
      : { outcome: 'ok' };
  }
  const documented = op.responses.get(status);
  const globalCodes = GLOBAL_CODES[status] ?? [];
  if (!documented && globalCodes.length === 0)
    return { outcome: 'violation', reason: `status ${status} is not documented for ${op.operationId}` };
  if (status >= 400 || documented?.mediaType === PROBLEM_TYPE) {
    const result = checkProblem(spec, response, new Set([...(documented?.codes ?? []), ...globalCodes]));
    if ('reason' in result) return { outcome: 'violation', reason: `${op.operationId}: ${result.reason}` };
    if (status >= 500)
      return strictUnavailable
        ? { outcome: 'violation', reason: `${result.code} (strict)` }
        : { outcome: 'unavailable' };
    return { outcome: 'ok' };
  }
  if (!documented)
    return { outcome: 'violation', reason: `status ${status} is not documented for ${op.operationId}` };
  if (!response.contentType.startsWith(documented.mediaType))
    return {
      outcome: 'violation',
      reason: `${op.operationId}: ${status} with content type "${response.contentType}", documented ${documented.mediaType}`,
    };
  if (documented.mediaType !== 'application/json' || !documented.schema) return { outcome: 'ok' };
  const parsed = parseJson(response.text);
  if (!parsed.ok) return { outcome: 'violation', reason: `${op.operationId}: ${status} body is not JSON` };
  const errors = spec.validate(documented.schema, parsed.value);
  if (errors.length > 0)
    return {
      outcome: 'violation',
      reason: `${op.operationId}: ${status} body does not match its schema: ${errors.join('; ')}`,
    };
  return { outcome: 'ok' };
}

/** The id a successful answer names: a transaction's or an account's. */
export function resourceId(response: FuzzResponse): string | undefined {
  if (response.status >= 300) return undefined;
  const parsed = parseJson(response.text);
  if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null) return undefined;
  const body = parsed.value as { transactionId?: unknown; id?: unknown };
  const id = body.transactionId ?? body.id;
  return typeof id === 'string' ? id : undefined;
}
