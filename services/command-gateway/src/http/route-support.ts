import type { ErrorCode } from '@billing/contracts/errors';
import { UuidSchema } from '@billing/contracts/uuid';
import type { z } from 'zod';
import { ProblemError, validationProblem } from './problem';

/** Parses a request body against its schema or throws the 400 problem describing every bad field. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ProblemError(400, 'REQUEST.INVALID', 'the body must be a JSON object');
  }
  const result = schema.safeParse(body);
  if (!result.success) throw validationProblem(result.error);
  return result.data;
}

/** An id that is not even a UUID names nothing: not found, like any other unknown id. */
export function parseId(id: string, notFound: ErrorCode): string {
  if (!UuidSchema.safeParse(id).success) throw new ProblemError(404, notFound, `${id} does not exist`);
  return id;
}

/** HTTP status for a refusal the ledger or saga reported with a stable code. */
export function statusOfDomainCode(code: ErrorCode): number {
  switch (code) {
    case 'AUTH.FORBIDDEN':
      return 403;
    case 'ACCOUNT.NOT_FOUND':
    case 'TRANSACTION.NOT_FOUND':
    case 'DEAD_LETTER.NOT_FOUND':
      return 404;
    case 'ACCOUNT.ALREADY_EXISTS':
    case 'IDEMPOTENCY.KEY_REUSED':
    case 'TRANSACTION.NOT_RETRYABLE':
    case 'INVESTIGATION.NOT_FLAGGED':
    case 'DEAD_LETTER.NOT_REPLAYABLE':
    case 'DEAD_LETTER.ALREADY_REPLAYED':
      return 409;
    default:
      return 422;
  }
}
