/**
 * Stable error codes. They travel in CommandRejected events, in transaction failure reasons, in the
 * dead-letter topic's headers and in HTTP problem documents; clients branch on them, so a code is never
 * renamed, only added.
 */
export const ERROR_CODES = [
  'ACCOUNT.NOT_FOUND',
  'ACCOUNT.INACTIVE',
  'ACCOUNT.INSUFFICIENT_FUNDS',
  'ACCOUNT.LIMIT_EXCEEDED',
  'ACCOUNT.ALREADY_EXISTS',
  'ACCOUNT.TYPE_NOT_ALLOWED',
  'CURRENCY.MISMATCH',
  'CURRENCY.UNKNOWN',
  'AMOUNT.INVALID',
  'HOLD.NOT_FOUND',
  'HOLD.EXPIRED',
  'AUTH.FORBIDDEN',
  'AUTH.UNAUTHENTICATED',
  'ENTRY.UNBALANCED',
  'IDEMPOTENCY.KEY_REUSED',
  'IDEMPOTENCY.KEY_REQUIRED',
  'TRANSACTION.NOT_FOUND',
  'REQUEST.INVALID',
  'REQUEST.MALFORMED_JSON',
  'REQUEST.UNSUPPORTED_MEDIA_TYPE',
  'REQUEST.TOO_LARGE',
  'ROUTE.NOT_FOUND',
  'QUERY.TIMEOUT',
  'SERVICE.UNAVAILABLE',
  'MESSAGE.UNPARSEABLE',
  'MESSAGE.UNKNOWN_TYPE',
  'MESSAGE.HANDLER_FAILED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
