import type { Actor } from '@billing/contracts/envelope';
import { Controller, Get, Query } from '@nestjs/common';
import { z } from 'zod';
import { CurrentActor } from '../auth/auth.guard';
import { GatewayMessaging } from '../kafka/messaging';
import { parseQueryString, unwrap } from './read-query';

const NoParameters = z.strictObject({});

@Controller('api/v1')
export class ReportsController {
  constructor(private readonly messaging: GatewayMessaging) {}

  /** `{currencies: [{currency, debits, credits, net}]}`. Admins only (the read side refuses owners). */
  @Get('reports/trial-balance')
  async trialBalance(@Query() raw: unknown, @CurrentActor() actor: Actor): Promise<unknown> {
    parseQueryString(NoParameters, raw);
    return unwrap(await this.messaging.query({ type: 'GetTrialBalance', actor }));
  }

  /** The currencies the ledger knows, with their scale and kind. Any authenticated caller. */
  @Get('currencies')
  async currencies(@Query() raw: unknown, @CurrentActor() actor: Actor): Promise<unknown> {
    parseQueryString(NoParameters, raw);
    return unwrap(await this.messaging.query({ type: 'ListCurrencies', actor }));
  }
}
