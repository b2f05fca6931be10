import type { Actor } from '@billing/contracts/envelope';
import { Controller, Get, Query } from '@nestjs/common';
import { CurrentActor } from '../auth/auth.guard';
import { GatewayMessaging } from '../kafka/messaging';
import { ApiRoute } from '../openapi/api-route';
import * as docs from '../openapi/other.docs';
import { parseQueryString, unwrap } from './read-query';
import { NoQuery } from './read-queries';

@Controller('api/v1')
export class ReportsController {
  constructor(private readonly messaging: GatewayMessaging) {}

  /** `{currencies: [{currency, debits, credits, net}]}`. Admins only (the read side refuses owners). */
  @Get('reports/trial-balance')
  @ApiRoute(docs.GET_TRIAL_BALANCE)
  async trialBalance(@Query() raw: unknown, @CurrentActor() actor: Actor): Promise<unknown> {
    parseQueryString(NoQuery, raw);
    return unwrap(await this.messaging.query({ type: 'GetTrialBalance', actor }));
  }

  /** The currencies the ledger knows, with their scale and kind. Any authenticated caller. */
  @Get('currencies')
  @ApiRoute(docs.LIST_CURRENCIES)
  async currencies(@Query() raw: unknown, @CurrentActor() actor: Actor): Promise<unknown> {
    parseQueryString(NoQuery, raw);
    return unwrap(await this.messaging.query({ type: 'ListCurrencies', actor }));
  }
}
