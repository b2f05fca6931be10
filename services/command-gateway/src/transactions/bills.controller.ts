import { createMessage } from '@billing/contracts/catalog';
import type { Actor } from '@billing/contracts/envelope';
import { RequestBillPayment } from '@billing/contracts/messages/transactions';
import { Body, Controller, Headers, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CurrentActor } from '../auth/auth.guard';
import { ApiRoute } from '../openapi/api-route';
import * as docs from '../openapi/transactions.docs';
import { parseBody } from '../http/route-support';
import { GatewayMessaging } from '../kafka/messaging';
import { MovementService } from './movement.service';
import { billTerms, BillPaymentBodySchema, idempotencyKeyOf } from './movements';

@Controller('api/v1/bills')
export class BillsController {
  constructor(
    private readonly messaging: GatewayMessaging,
    private readonly movements: MovementService,
  ) {}

  /**
   * Pays a bill through an external provider: the amount is held, the provider is paid over HTTP, and
   * the hold is captured into the provider's settlement account, or released (reversed) if the provider
   * refuses or never answers.
   */
  @Post('pay')
  @ApiRoute(docs.PAY_BILL)
  pay(
    @Body() body: unknown,
    @Headers() h: Record<string, string | undefined>,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const input = parseBody(BillPaymentBodySchema, body);
    const key = idempotencyKeyOf(h['idempotency-key'], input);
    return this.movements.submit({
      actor,
      reply,
      key,
      preferHeader: h.prefer,
      terms: billTerms(input),
      command: (transactionId, requestHash) =>
        createMessage(
          RequestBillPayment,
          {
            transactionId,
            idempotencyKey: key,
            requestHash,
            accountId: input.accountId,
            billType: input.billType,
            provider: input.provider,
            meterNumber: input.meterNumber,
            amount: input.amount,
            currency: input.currency,
          },
          this.messaging.meta(actor),
        ),
    });
  }
}
