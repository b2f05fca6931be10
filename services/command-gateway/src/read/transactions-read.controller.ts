import type { Actor } from '@billing/contracts/envelope';
import { Controller, Get, Query } from '@nestjs/common';
import { z } from 'zod';
import { CurrentActor } from '../auth/auth.guard';
import { GatewayMessaging } from '../kafka/messaging';
import { CursorParam, LimitParam, parseQueryString, unwrap } from './read-query';

/**
 * Across accounts only the transactions someone must look at can be listed: stuck ones (pending past
 * their deadline) and those that need attention. An account's own are under /accounts/:id.
 */
export const TransactionsQuery = z.strictObject({
  status: z.enum(['stuck', 'needs_attention'], {
    error: 'only status=stuck or status=needs_attention is supported',
  }),
  limit: LimitParam,
  cursor: CursorParam,
});

@Controller('api/v1/transactions')
export class TransactionsReadController {
  constructor(private readonly messaging: GatewayMessaging) {}

  /**
   * `GET /api/v1/transactions?status=stuck`: pending past their deadline, oldest first;
   * `?status=needs_attention`: sagas that could not finish on their own, oldest first. Admins only.
   */
  @Get()
  async list(@Query() raw: unknown, @CurrentActor() actor: Actor): Promise<unknown> {
    const q = parseQueryString(TransactionsQuery, raw);
    const page = { actor, limit: q.limit, cursor: q.cursor };
    return q.status === 'stuck'
      ? unwrap(await this.messaging.query({ type: 'ListStuckTransactions', ...page }))
      : unwrap(await this.messaging.query({ type: 'ListTransactionsNeedingAttention', ...page }));
  }
}
