import { createMessage } from '@billing/contracts/catalog';
import { SYSTEM_ACTOR, type Actor } from '@billing/contracts/envelope';
import type { TransactionView } from '@billing/contracts/messages/queries';
import { RequestTopUp } from '@billing/contracts/messages/transactions';
import { Body, Controller, Get, Headers, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CurrentActor } from '../auth/auth.guard';
import { preferredWaitMs } from '../http/prefer';
import { ProblemError } from '../http/problem';
import { parseBody, parseId, statusOfDomainCode } from '../http/route-support';
import { GatewayMessaging } from '../kafka/messaging';
import {
  idempotencyKeyOf,
  requestHash,
  sameTerms,
  TopUpBodySchema,
  transactionIdFor,
  type MovementTerms,
} from './topup';

@Controller('api/v1/transactions')
export class TransactionsController {
  constructor(private readonly messaging: GatewayMessaging) {}

  /**
   * Requests a top-up: EXTERNAL -> USER. Answers 202 with the transaction id and Location, or, with
   * `Prefer: wait=N`, the final state when it is reached within N seconds.
   */
  @Post('topup')
  async topUp(
    @Body() body: unknown,
    @Headers() headers: Record<string, string | undefined>,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const input = parseBody(TopUpBodySchema, body);
    const key = idempotencyKeyOf(headers['idempotency-key'], input);
    const waitMs = preferredWaitMs(headers.prefer);
    const terms: MovementTerms = {
      type: 'topup',
      sourceAccountId: input.sourceAccountId,
      destinationAccountId: input.destinationAccountId,
      amount: input.amount,
      currency: input.currency,
    };
    const transactionId = transactionIdFor(actor, key);
    void reply.header('location', `/api/v1/transactions/${transactionId}`);

    const existing = await this.findTransaction(transactionId);
    if (existing) {
      if (!sameTerms(existing, terms)) {
        throw new ProblemError(
          409,
          'IDEMPOTENCY.KEY_REUSED',
          'this idempotency key was used for a different request',
        );
      }
      return this.answer(
        reply,
        existing.status === 'pending' ? await this.awaitOutcome(transactionId, waitMs, existing) : existing,
        waitMs,
      );
    }
    await this.checkParties(actor, input.sourceAccountId, input.destinationAccountId, input.currency);

    const command = createMessage(
      RequestTopUp,
      {
        transactionId,
        idempotencyKey: key,
        requestHash: requestHash(terms),
        sourceAccountId: input.sourceAccountId,
        destinationAccountId: input.destinationAccountId,
        amount: input.amount,
        currency: input.currency,
      },
      this.messaging.meta(actor),
    );
    const outcome = this.waitForFinal(transactionId, waitMs, command.data.requestHash);
    try {
      await this.messaging.emit('transactionCommands', transactionId, command);
    } catch (err) {
      outcome.cancel();
      throw err;
    }
    const final = await outcome.promise;
    if (final === 'key-reused') {
      throw new ProblemError(
        409,
        'IDEMPOTENCY.KEY_REUSED',
        'this idempotency key was used for a different request',
      );
    }
    return this.answer(reply, final ?? { transactionId, status: 'pending' as const }, waitMs);
  }

  @Get(':id')
  async get(@Param('id') id: string, @CurrentActor() actor: Actor): Promise<unknown> {
    const reply = await this.messaging.query({
      type: 'GetTransaction',
      actor,
      transactionId: parseId(id, 'TRANSACTION.NOT_FOUND'),
    });
    if (!reply.ok) throw new ProblemError(statusOfDomainCode(reply.code), reply.code, reply.detail);
    return reply.data;
  }

  private answer(
    reply: FastifyReply,
    view: TransactionView | { transactionId: string; status: 'pending' },
    waitMs: number,
  ): unknown {
    if (waitMs > 0) void reply.header('preference-applied', `wait=${waitMs / 1000}`);
    void reply.status(view.status === 'pending' ? 202 : 200);
    return view;
  }

  /**
   * Waits for the transaction's final state, or for the orchestrator's refusal of this very request (the
   * key was taken by a request with other terms that the read side had not shown yet).
   */
  private waitForFinal(transactionId: string, waitMs: number, requestHash: string | null = null) {
    return this.messaging.outcomes.wait<TransactionView | 'key-reused'>(
      transactionId,
      (event) => {
        if (event.type === 'TransactionCompleted' || event.type === 'TransactionFailed') return event.data;
        if (event.type === 'TransactionRequestRejected' && event.data.requestHash === requestHash)
          return 'key-reused';
        return undefined;
      },
      waitMs,
    );
  }

  private async awaitOutcome(
    transactionId: string,
    waitMs: number,
    current: TransactionView,
  ): Promise<TransactionView> {
    const outcome = this.waitForFinal(transactionId, waitMs);
    // The outcome may have been published between the read and the registration: read once more.
    const again = await this.findTransaction(transactionId);
    if (again && again.status !== 'pending') {
      outcome.cancel();
      return again;
    }
    const final = await outcome.promise;
    return final === null || final === 'key-reused' ? current : final;
  }

  private async findTransaction(transactionId: string): Promise<TransactionView | null> {
    const reply = await this.messaging.query({ type: 'GetTransaction', actor: SYSTEM_ACTOR, transactionId });
    return reply.ok ? reply.data : null;
  }

  /**
   * Refuses at the edge what the read side already knows to be wrong (a USER account as the source of a
   * top-up, someone else's account, a currency mismatch), so nothing is emitted for it. The ledger
   * checks all of this again; an account the read side has not seen yet is left to the ledger.
   */
  private async checkParties(
    actor: Actor,
    sourceId: string,
    destinationId: string,
    currency: string,
  ): Promise<void> {
    const [source, destination] = await Promise.all([
      this.messaging.query({ type: 'GetAccount', actor: SYSTEM_ACTOR, accountId: sourceId }),
      this.messaging.query({ type: 'GetAccount', actor, accountId: destinationId }),
    ]);
    if (!destination.ok && actor.kind === 'owner') {
      throw new ProblemError(404, 'ACCOUNT.NOT_FOUND', `account ${destinationId} does not exist`);
    }
    if (source.ok && source.data.type !== 'EXTERNAL') {
      throw new ProblemError(
        422,
        'ACCOUNT.TYPE_NOT_ALLOWED',
        'a top-up must be funded from an EXTERNAL account',
      );
    }
    if (destination.ok && destination.data.type !== 'USER') {
      throw new ProblemError(422, 'ACCOUNT.TYPE_NOT_ALLOWED', 'a top-up must credit a USER account');
    }
    for (const account of [source, destination]) {
      if (account.ok && account.data.currency !== currency) {
        throw new ProblemError(
          422,
          'CURRENCY.MISMATCH',
          `account ${account.data.id} holds ${account.data.currency}, not ${currency}`,
        );
      }
    }
  }
}
