import type { ErrorCode } from '@billing/contracts/errors';
import { CursorSchema, PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX } from '@billing/contracts/messages/queries';
import { z } from 'zod';
import { ProblemError, validationProblem } from '../http/problem';
import { statusOfDomainCode } from '../http/route-support';

/** Parses a query string against its schema or throws the 400 problem naming every bad parameter. */
export function parseQueryString<T extends z.ZodType>(schema: T, query: unknown): z.output<T> {
  const result = schema.safeParse(query ?? {});
  if (!result.success) throw validationProblem(result.error);
  return result.data;
}

/** The data of a successful reply, or the problem its code stands for. */
export function unwrap<T>(reply: { ok: true; data: T } | { ok: false; code: ErrorCode; detail: string }): T {
  if (reply.ok) return reply.data;
  // The read side refuses a request it cannot answer (a cursor it did not write) as the client's error.
  const status = reply.code === 'REQUEST.INVALID' ? 400 : statusOfDomainCode(reply.code);
  throw new ProblemError(status, reply.code, reply.detail);
}

/** `limit`: how many items a page holds, bounded by the contract. */
export const LimitParam = z.coerce.number().int().min(1).max(PAGE_LIMIT_MAX).default(PAGE_LIMIT_DEFAULT);

export const CursorParam = CursorSchema.optional().transform((c) => c ?? null);

/** An instant as an ISO 8601 date-time with offset, or a date meaning its midnight UTC. */
export const InstantParam = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((v) => new Date(v.length === 10 ? `${v}T00:00:00.000Z` : v).toISOString())
  .optional()
  .transform((v) => v ?? null);

/** from must come before to when both are given. */
export function rangeIsOrdered(range: { from: string | null; to: string | null }): boolean {
  return range.from === null || range.to === null || Date.parse(range.from) < Date.parse(range.to);
}
