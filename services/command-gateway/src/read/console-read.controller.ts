import type { Actor } from '@billing/contracts/envelope';
import { Controller, Get, Param, Query } from '@nestjs/common';
import { CurrentActor } from '../auth/auth.guard';
import { parseId } from '../http/route-support';
import { GatewayMessaging } from '../kafka/messaging';
import { ApiRoute } from '../openapi/api-route';
import * as docs from '../openapi/console.docs';
import { parseQueryString, unwrap } from './read-query';
import { ActivityQuery, NoQuery } from './read-queries';

/**
 * The reads an operator console needs beyond the resource routes: who is signed in, how the platform
 * is doing, and what happened to one transaction step by step. The last two are answered by projection-query over Kafka, which
 * applies the same visibility as the other reads (activity for admins, a timeline for whom the
 * transaction is visible).
 */
@Controller('api/v1')
export class ConsoleReadController {
  constructor(private readonly messaging: GatewayMessaging) {}

  /** Who the credential is, as the gateway authenticated it: what a console shows and hides depends on it. */
  @Get('me')
  @ApiRoute(docs.GET_CALLER)
  me(@Query() raw: unknown, @CurrentActor() actor: Actor): Actor {
    parseQueryString(NoQuery, raw);
    return { kind: actor.kind, id: actor.id };
  }

  /** Per-minute created/outcome counts, completion latency, pending and stuck counts. Admins only. */
  @Get('reports/transaction-activity')
  @ApiRoute(docs.GET_TRANSACTION_ACTIVITY)
  async activity(@Query() raw: unknown, @CurrentActor() actor: Actor): Promise<unknown> {
    const q = parseQueryString(ActivityQuery, raw);
    return unwrap(await this.messaging.query({ type: 'GetTransactionActivity', actor, minutes: q.minutes }));
  }

  /** The steps, ledger postings and holds of one transaction, in time order. */
  @Get('transactions/:id/timeline')
  @ApiRoute(docs.GET_TRANSACTION_TIMELINE)
  async timeline(
    @Param('id') id: string,
    @Query() raw: unknown,
    @CurrentActor() actor: Actor,
  ): Promise<unknown> {
    const transactionId = parseId(id, 'TRANSACTION.NOT_FOUND');
    parseQueryString(NoQuery, raw);
    return unwrap(await this.messaging.query({ type: 'GetTransactionTimeline', actor, transactionId }));
  }
}
