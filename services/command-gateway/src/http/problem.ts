import type { ErrorCode } from '@billing/contracts/errors';
import { type ArgumentsHost, Catch, HttpException, type ExceptionFilter } from '@nestjs/common';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '@billing/platform/logger';
import type { z } from 'zod';

export interface FieldError {
  field: string;
  code: ErrorCode;
  message: string;
}

/**
 * An RFC 7807 problem. Thrown anywhere in a request, it becomes an application/problem+json answer with
 * a stable `code` clients can branch on; `detail` is for people.
 */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    readonly detail: string,
    readonly errors: FieldError[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(`${code}: ${detail}`);
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function sendProblem(reply: FastifyReply, request: FastifyRequest, problem: ProblemError): void {
  void reply
    .status(problem.status)
    .headers(problem.headers)
    .type('application/problem+json')
    .send({
      type: `https://errors.billing.example/${problem.code.toLowerCase().replace(/\./g, '/')}`,
      title: TITLES[problem.status] ?? 'Error',
      status: problem.status,
      code: problem.code,
      detail: problem.detail,
      instance: request.url,
      ...(problem.errors.length > 0 ? { errors: problem.errors } : {}),
    });
}

/** Codes of the field a zod issue is about: amounts and currencies have their own, the rest is generic. */
function fieldCode(field: string): ErrorCode {
  if (field === 'amount') return 'AMOUNT.INVALID';
  if (field === 'currency') return 'CURRENCY.UNKNOWN';
  return 'REQUEST.INVALID';
}

/** A body that fails its schema: 400 with one entry per field, and the specific code when all agree. */
export function validationProblem(error: z.ZodError): ProblemError {
  const errors: FieldError[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        errors.push({ field: key, code: 'REQUEST.INVALID', message: 'unknown field' });
      continue;
    }
    const field = issue.path.join('.') || '(body)';
    errors.push({ field, code: fieldCode(field), message: issue.message });
  }
  const codes = new Set(errors.map((e) => e.code));
  const code = codes.size === 1 ? [...codes][0]! : 'REQUEST.INVALID';
  return new ProblemError(400, code, errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
}

/** Maps Fastify's own errors (body parsing, limits) to problems; anything unexpected to a bare 500. */
export function fromFastifyError(error: FastifyError): ProblemError {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ProblemError(415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ProblemError(413, 'REQUEST.TOO_LARGE', 'the body exceeds the size limit');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ProblemError(400, 'REQUEST.MALFORMED_JSON', 'the body is empty');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ProblemError(400, 'REQUEST.MALFORMED_JSON', 'the content length does not match the body');
    default:
      if (error.statusCode === 400 && /JSON/i.test(error.message)) {
        return new ProblemError(400, 'REQUEST.MALFORMED_JSON', 'the body is not valid JSON');
      }
      if (error.statusCode && error.statusCode < 500) {
        return new ProblemError(error.statusCode, 'REQUEST.INVALID', error.message);
      }
      return new ProblemError(500, 'INTERNAL', 'an unexpected error occurred');
  }
}

/** The one place where exceptions become HTTP answers. Stack traces go to the log, never to the client. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    sendProblem(reply, request, this.toProblem(exception));
  }

  private toProblem(exception: unknown): ProblemError {
    if (exception instanceof ProblemError) return exception;
    if (exception instanceof HttpException) {
      // Nest wraps Fastify's body-parsing errors in HttpExceptions; map them back by status.
      const status = exception.getStatus();
      if (status === 404) return new ProblemError(404, 'ROUTE.NOT_FOUND', 'no such route');
      if (status === 415) return fromFastifyError({ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' } as FastifyError);
      if (status === 413) return fromFastifyError({ code: 'FST_ERR_CTP_BODY_TOO_LARGE' } as FastifyError);
      if (status === 400 && /JSON|body/i.test(exception.message)) {
        return new ProblemError(400, 'REQUEST.MALFORMED_JSON', 'the body is not valid JSON');
      }
      if (status >= 500) {
        this.logger.error({ err: exception }, 'server error');
        return new ProblemError(500, 'INTERNAL', 'an unexpected error occurred');
      }
      return new ProblemError(status, 'REQUEST.INVALID', exception.message);
    }
    const fastifyError = exception as Partial<FastifyError> | null;
    if (
      fastifyError?.code?.startsWith('FST_') ||
      (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode < 500)
    ) {
      return fromFastifyError(exception as FastifyError);
    }
    this.logger.error({ err: exception }, 'unhandled error');
    return new ProblemError(500, 'INTERNAL', 'an unexpected error occurred');
  }
}
