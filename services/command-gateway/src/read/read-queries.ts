import { OwnerIdSchema } from '@billing/contracts/messages/accounts';
import { ACTIVITY_MINUTES_MAX } from '@billing/contracts/messages/queries';
import { TransactionTypeSchema } from '@billing/contracts/messages/ledger';
import { TransactionStatusSchema } from '@billing/contracts/messages/transactions';
import { UuidSchema } from '@billing/contracts/uuid';
import { z } from 'zod';
import { CursorParam, InstantParam, LimitParam, rangeIsOrdered } from './read-query';

/**
 * The query strings the read routes parse, with the descriptions the OpenAPI document gives their
 * parameters: the document's parameters are these very schemas (as the client sends them, before
 * defaults and transforms), so a parameter cannot be accepted without being documented or the reverse.
 */

const limit = LimitParam.describe('Items per page, 1-200 (default 50).');
const cursor = CursorParam.describe('The nextCursor of the previous page.');
const instant = (what: string) =>
  InstantParam.describe(`${what}: an ISO 8601 date-time with offset, or a date meaning its midnight UTC.`);

/** For routes that take no parameter at all: an unknown one is a 400, not silently ignored. */
export const NoQuery = z.strictObject({});

export const ListAccountsQuery = z.strictObject({
  ownerId: OwnerIdSchema.optional().describe('Whose accounts; an owner key may leave it out to get its own.'),
  limit,
  cursor,
});

export const AccountTransactionsQuery = z
  .strictObject({
    type: TransactionTypeSchema.optional()
      .transform((v) => v ?? null)
      .describe('Only transactions of this type.'),
    status: TransactionStatusSchema.optional()
      .transform((v) => v ?? null)
      .describe('Only transactions in this status.'),
    from: instant('Created at or after'),
    to: instant('Created before'),
    limit,
    cursor,
  })
  .refine(rangeIsOrdered, { path: ['from'], message: 'must be before to' });

export const StatementQuery = z
  .strictObject({
    from: instant('Start of the range (default: the account opening)'),
    to: instant('End of the range, exclusive (default: now)'),
  })
  .refine(rangeIsOrdered, { path: ['from'], message: 'must be before to' });

/**
 * Across accounts only the transactions someone must look at can be listed: stuck ones (pending past
 * their deadline) and those that need attention. An account's own are under /accounts/:id.
 */
export const TransactionsQuery = z.strictObject({
  status: z
    .enum(['stuck', 'needs_attention'], {
      error: 'only status=stuck or status=needs_attention is supported',
    })
    .describe(
      'stuck: pending past their deadline; needs_attention: sagas that could not finish on their own.',
    ),
  flagged: z
    .enum(['true', 'false'], { error: 'flagged must be true or false' })
    .optional()
    .transform((v) => (v === undefined ? null : v === 'true'))
    .describe('true: only those flagged for investigation; false: only those not flagged (default: all).'),
  limit,
  cursor,
});

/**
 * The event stream's filter. That at least one of the two is required cannot be said with parameters, so
 * the route's description and its 400 example say it.
 */
export const EventStreamQuery = z
  .strictObject({
    accountId: UuidSchema.optional()
      .transform((v) => v ?? null)
      .describe('Follow the events touching this account.'),
    transactionId: UuidSchema.optional()
      .transform((v) => v ?? null)
      .describe('Follow the events of this transaction.'),
  })
  .refine((q) => q.accountId !== null || q.transactionId !== null, {
    path: ['accountId'],
    message: 'name an accountId, a transactionId, or both',
  });

export const ACTIVITY_MINUTES_DEFAULT = 60;

/** GET /reports/transaction-activity: how far back the per-minute counts go. */
export const ActivityQuery = z.strictObject({
  minutes: z.coerce
    .number()
    .int()
    .min(1)
    .max(ACTIVITY_MINUTES_MAX)
    .default(ACTIVITY_MINUTES_DEFAULT)
    .describe(`How many minutes back, 1-${ACTIVITY_MINUTES_MAX} (default ${ACTIVITY_MINUTES_DEFAULT}).`),
});
