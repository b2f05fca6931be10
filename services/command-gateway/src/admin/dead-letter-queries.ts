import { DeadLetterReplayStateSchema } from '@billing/contracts/messages/queries';
import { IdempotencyKeySchema } from '@billing/contracts/messages/transactions';
import { z } from 'zod';
import { CursorParam, LimitParam } from '../read/read-query';

/** The query string of GET /admin/dead-letters; its descriptions become the documented parameters. */
const optionalText = (max: number, what: string) =>
  z
    .string()
    .min(1)
    .max(max)
    .optional()
    .transform((v) => v ?? null)
    .describe(what);

export const DeadLettersQuery = z.strictObject({
  consumerGroup: optionalText(249, 'Only those this consumer group dead-lettered (as the list shows it).'),
  errorCode: optionalText(100, 'Only those with this error code, e.g. MESSAGE.UNKNOWN_VERSION.'),
  topic: optionalText(249, 'Only those that came from this topic.'),
  state: DeadLetterReplayStateSchema.optional()
    .transform((v) => v ?? null)
    .describe('Only those whose latest replay is in this state (not_replayed for never asked).'),
  limit: LimitParam.describe('Items per page, 1-200 (default 50).'),
  cursor: CursorParam.describe('The nextCursor of the previous page.'),
});

/** POST …/replay takes no body, or one that carries only the idempotency key. */
export const ReplayBodySchema = z.strictObject({ idempotencyKey: IdempotencyKeySchema.optional() });
