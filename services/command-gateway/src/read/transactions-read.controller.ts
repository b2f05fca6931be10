import type { Actor } from '@billing/contracts/envelope';
import { Controller, Get, Query } from '@nestjs/common';
import { z } from 'zod';
import { CurrentActor } from '../auth/auth.guard';
import { GatewayMessaging } from '../kafka/messaging';
import { CursorParam, LimitParam, parseQueryString, unwrap } from './read-query';

/** Only stuck transactions can be listed across accounts; an account's own are under /accounts/:id. */
const TransactionsQuery = z.strictObject({
  status: z.literal('stuck', { error: 'only status=stuck is supported' }),
  limit: LimitParam,
  cursor: CursorParam,
});

@Controller('api/v1/transactions')
export class TransactionsReadController {
  constructor(private readonly messaging: GatewayMessaging) {}

  /** `GET /api/v1/transactions?status=stuck`: pending past their deadline, oldest first. Admins only. */
  @Get()
  async list(@Query() raw: unknown, @CurrentActor() actor: Actor): Promise<unknown> {
    const q = parseQueryString(TransactionsQuery, raw);
    return unwrap(
      await this.messaging.query({ type: 'ListStuckTransactions', actor, limit: q.limit, cursor: q.cursor }),
    );
  }
}
