import type { Actor } from '@billing/contracts/envelope';
import { Controller, Get, Query } from '@nestjs/common';
import { CurrentActor } from '../auth/auth.guard';
import { GatewayMessaging } from '../kafka/messaging';
import { ApiRoute } from '../openapi/api-route';
import * as docs from '../openapi/transactions.docs';
import { parseQueryString, unwrap } from './read-query';
import { TransactionsQuery } from './read-queries';

@Controller('api/v1/transactions')
export class TransactionsReadController {
  constructor(private readonly messaging: GatewayMessaging) {}

  /**
   * `GET /api/v1/transactions?status=stuck`: pending past their deadline, oldest first;
   * `?status=needs_attention`: sagas that could not finish on their own, oldest first. Admins only.
   */
  @Get()
  @ApiRoute(docs.LIST_STUCK_TRANSACTIONS)
  async list(@Query() raw: unknown, @CurrentActor() actor: Actor): Promise<unknown> {
    const q = parseQueryString(TransactionsQuery, raw);
    const page = { actor, limit: q.limit, cursor: q.cursor, flagged: q.flagged };
    return q.status === 'stuck'
      ? unwrap(await this.messaging.query({ type: 'ListStuckTransactions', ...page }))
      : unwrap(await this.messaging.query({ type: 'ListTransactionsNeedingAttention', ...page }));
  }
}
