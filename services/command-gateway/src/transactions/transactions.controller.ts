import { createMessage } from '@billing/contracts/catalog';
import type { Actor } from '@billing/contracts/envelope';
import { MOVEMENT_RULES } from '@billing/contracts/policy';
import {
  RequestPayment,
  RequestRefund,
  RequestTopUp,
  RequestTransfer,
  RequestWithdrawal,
} from '@billing/contracts/messages/transactions';
import { Body, Controller, Get, Headers, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CurrentActor } from '../auth/auth.guard';
import { ProblemError } from '../http/problem';
import { parseBody, parseId, statusOfDomainCode } from '../http/route-support';
import { GatewayMessaging } from '../kafka/messaging';
import { ApiRoute } from '../openapi/api-route';
import * as docs from '../openapi/transactions.docs';
import { MovementService } from './movement.service';
import {
  idempotencyKeyOf,
  PaymentBodySchema,
  RefundBodySchema,
  TopUpBodySchema,
  TwoPartyBodySchema,
  type MovementTerms,
} from './movements';

type Headers_ = Record<string, string | undefined>;

const TWO_PARTY = { withdrawal: RequestWithdrawal, transfer: RequestTransfer } as const;

function namesSource(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'sourceAccountId' in body;
}

/**
 * Money movements. Each answers 202 with the transaction id and Location, or, with `Prefer: wait=N`, the
 * final state (200: completed, failed or reversed) when it is reached within N seconds, or 202 with the
 * view when the transaction needs attention (not final; a person or a later retry settles it).
 */
@Controller('api/v1/transactions')
export class TransactionsController {
  constructor(
    private readonly messaging: GatewayMessaging,
    private readonly movements: MovementService,
  ) {}

  /**
   * EXTERNAL -> USER. An admin names the EXTERNAL source and the entry is posted at once; an owner never
   * does: it sends `funding`, and the money is collected through the funding provider and credited from
   * the provider's EXTERNAL account once the provider confirmed it. An admin sending funding instead of
   * a source asks for such a collection too.
   */
  @Post('topup')
  @ApiRoute(docs.TOP_UP)
  topUp(
    @Body() body: unknown,
    @Headers() h: Headers_,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (actor.kind === 'owner' && !MOVEMENT_RULES.topup.ownerNamesSource && namesSource(body)) {
      throw new ProblemError(
        403,
        'AUTH.FORBIDDEN',
        'an owner may not name the account a top-up comes from: send funding {method, sourceReference} ' +
          'instead, and the funding provider collects the amount',
      );
    }
    const input = parseBody(TopUpBodySchema, body);
    const key = idempotencyKeyOf(h['idempotency-key'], input);
    const sourceAccountId = input.sourceAccountId ?? null;
    const funding = sourceAccountId === null ? (input.funding ?? null) : null;
    const { destinationAccountId, amount, currency } = input;
    return this.movements.submit({
      actor,
      reply,
      key,
      preferHeader: h.prefer,
      terms: {
        type: 'topup',
        sourceAccountId,
        destinationAccountId,
        amount,
        currency,
        originalTransactionId: null,
        details: {},
        funding,
      },
      command: (transactionId, requestHash) =>
        createMessage(
          RequestTopUp,
          {
            transactionId,
            idempotencyKey: key,
            requestHash,
            sourceAccountId,
            destinationAccountId,
            amount,
            currency,
            funding,
          },
          this.messaging.meta(actor),
        ),
    });
  }

  /** USER -> EXTERNAL: held, paid out by the payout provider, captured on confirmation or released. */
  @Post('withdraw')
  @ApiRoute(docs.WITHDRAW)
  withdraw(
    @Body() body: unknown,
    @Headers() h: Headers_,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.twoParty('withdrawal', body, h, actor, reply);
  }

  /** USER -> USER, same currency, in one atomic entry. */
  @Post('transfer')
  @ApiRoute(docs.TRANSFER)
  transfer(
    @Body() body: unknown,
    @Headers() h: Headers_,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.twoParty('transfer', body, h, actor, reply);
  }

  /** Customer -> merchant. */
  @Post('payment')
  @ApiRoute(docs.PAY)
  payment(
    @Body() body: unknown,
    @Headers() h: Headers_,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const input = parseBody(PaymentBodySchema, body);
    const key = idempotencyKeyOf(h['idempotency-key'], input);
    const terms: MovementTerms = {
      type: 'payment',
      sourceAccountId: input.customerAccountId,
      destinationAccountId: input.merchantAccountId,
      amount: input.amount,
      currency: input.currency,
      originalTransactionId: null,
      details: {},
      funding: null,
    };
    return this.movements.submit({
      actor,
      reply,
      terms,
      key,
      preferHeader: h.prefer,
      command: (transactionId, requestHash) =>
        createMessage(
          RequestPayment,
          {
            transactionId,
            idempotencyKey: key,
            requestHash,
            sourceAccountId: input.customerAccountId,
            destinationAccountId: input.merchantAccountId,
            amount: input.amount,
            currency: input.currency,
          },
          this.messaging.meta(actor),
        ),
    });
  }

  /** Gives back part or all of a completed payment; refunds never add up to more than the payment. */
  @Post('refund')
  @ApiRoute(docs.REFUND)
  refund(
    @Body() body: unknown,
    @Headers() h: Headers_,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const input = parseBody(RefundBodySchema, body);
    const key = idempotencyKeyOf(h['idempotency-key'], input);
    return this.movements.submit({
      actor,
      reply,
      key,
      preferHeader: h.prefer,
      terms: {
        type: 'refund',
        sourceAccountId: null,
        destinationAccountId: null,
        amount: input.amount,
        currency: input.currency,
        originalTransactionId: input.originalPaymentId,
        details: {},
        funding: null,
      },
      command: (transactionId, requestHash) =>
        createMessage(
          RequestRefund,
          {
            transactionId,
            idempotencyKey: key,
            requestHash,
            originalTransactionId: input.originalPaymentId,
            amount: input.amount,
            currency: input.currency,
          },
          this.messaging.meta(actor),
        ),
    });
  }

  @Get(':id')
  @ApiRoute(docs.GET_TRANSACTION)
  async get(@Param('id') id: string, @CurrentActor() actor: Actor): Promise<unknown> {
    const reply = await this.messaging.query({
      type: 'GetTransaction',
      actor,
      transactionId: parseId(id, 'TRANSACTION.NOT_FOUND'),
    });
    if (!reply.ok) throw new ProblemError(statusOfDomainCode(reply.code), reply.code, reply.detail);
    return reply.data;
  }

  private twoParty(
    type: keyof typeof TWO_PARTY,
    body: unknown,
    h: Headers_,
    actor: Actor,
    reply: FastifyReply,
  ) {
    const input = parseBody(TwoPartyBodySchema, body);
    const key = idempotencyKeyOf(h['idempotency-key'], input);
    const { sourceAccountId, destinationAccountId, amount, currency } = input;
    return this.movements.submit({
      actor,
      reply,
      key,
      preferHeader: h.prefer,
      terms: {
        type,
        sourceAccountId,
        destinationAccountId,
        amount,
        currency,
        originalTransactionId: null,
        details: {},
        funding: null,
      },
      command: (transactionId, requestHash) =>
        createMessage(
          TWO_PARTY[type],
          {
            transactionId,
            idempotencyKey: key,
            requestHash,
            sourceAccountId,
            destinationAccountId,
            amount,
            currency,
          },
          this.messaging.meta(actor),
        ),
    });
  }
}
