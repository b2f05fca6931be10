import { createMessage } from '@billing/contracts/catalog';
import type { Actor, Envelope } from '@billing/contracts/envelope';
import {
  ClearTransactionInvestigation,
  FlagTransactionForInvestigation,
  RetryTransactionStep,
  type OperatorAction,
} from '@billing/contracts/messages/operations';
import { Body, Controller, Headers, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CurrentActor } from '../auth/auth.guard';
import type { GatewayConfig } from '../config';
import { preferredWaitMs } from '../http/prefer';
import { ProblemError } from '../http/problem';
import { parseBody, parseId, statusOfDomainCode } from '../http/route-support';
import { GatewayMessaging } from '../kafka/messaging';
import { ApiRoute } from '../openapi/api-route';
import * as docs from '../openapi/admin.docs';
import { GATEWAY_CONFIG } from '../tokens';
import { idempotencyKeyOf } from '../transactions/movements';
import {
  ClearInvestigationBodySchema,
  FlagInvestigationBodySchema,
  operatorAnswer,
  operatorRequestHash,
  operatorRequestIdFor,
  RetryStepBodySchema,
  type OperatorActionResult,
} from './operator-actions';

type Headers_ = Record<string, string | undefined>;

interface OperatorCommand {
  transactionId: string;
  requestId: string;
  requestHash: string;
}

/**
 * What operators do to a transaction: retry the step its saga waits on, flag it for investigation and
 * clear the flag. Admins only. Each route sends a command to the transaction's saga, which decides it
 * (only it knows what the transaction waits on), and answers with the saga's answer: 200 with what was
 * done, a problem for a refusal, or 202 when the answer is late (the command will still be decided).
 */
@Controller('api/v1/admin/transactions')
export class TransactionActionsController {
  constructor(
    private readonly messaging: GatewayMessaging,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Post(':id/retry')
  @HttpCode(200)
  @ApiRoute(docs.RETRY_TRANSACTION_STEP)
  retry(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers() h: Headers_,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const transactionId = this.admitted(id, actor, 'retry a transaction step');
    const input = parseBody(RetryStepBodySchema, body ?? {});
    return this.send(
      'retry',
      transactionId,
      idempotencyKeyOf(h['idempotency-key'], input),
      null,
      actor,
      h,
      reply,
      (c) => createMessage(RetryTransactionStep, c, this.messaging.meta(actor)),
    );
  }

  @Post(':id/investigation')
  @HttpCode(200)
  @ApiRoute(docs.FLAG_TRANSACTION)
  flag(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers() h: Headers_,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const transactionId = this.admitted(id, actor, 'flag a transaction for investigation');
    const input = parseBody(FlagInvestigationBodySchema, body);
    const key = idempotencyKeyOf(h['idempotency-key'], input);
    return this.send('flag', transactionId, key, input.note, actor, h, reply, (c) =>
      createMessage(FlagTransactionForInvestigation, { ...c, note: input.note }, this.messaging.meta(actor)),
    );
  }

  @Post(':id/investigation/clear')
  @HttpCode(200)
  @ApiRoute(docs.CLEAR_TRANSACTION_FLAG)
  clear(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers() h: Headers_,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const transactionId = this.admitted(id, actor, 'clear an investigation flag');
    const input = parseBody(ClearInvestigationBodySchema, body ?? {});
    const key = idempotencyKeyOf(h['idempotency-key'], input);
    const note = input.note ?? null;
    return this.send('clear', transactionId, key, note, actor, h, reply, (c) =>
      createMessage(ClearTransactionInvestigation, { ...c, note }, this.messaging.meta(actor)),
    );
  }

  /** Owners are refused before anything is sent; the saga checks the actor again where it decides. */
  private admitted(id: string, actor: Actor, what: string): string {
    const transactionId = parseId(id, 'TRANSACTION.NOT_FOUND');
    if (actor.kind !== 'admin') throw new ProblemError(403, 'AUTH.FORBIDDEN', `only an admin may ${what}`);
    return transactionId;
  }

  private async send(
    action: OperatorAction,
    transactionId: string,
    key: string,
    note: string | null,
    actor: Actor,
    h: Headers_,
    reply: FastifyReply,
    build: (command: OperatorCommand) => Envelope,
  ): Promise<OperatorActionResult | { transactionId: string; action: OperatorAction; status: 'pending' }> {
    const requestId = operatorRequestIdFor(actor, key, transactionId);
    const command = build({ transactionId, requestId, requestHash: operatorRequestHash(action, note) });
    void reply.header('location', `/api/v1/transactions/${transactionId}/timeline`);
    const answer = await this.messaging.emitAndWait('transactionCommands', transactionId, command, {
      key: transactionId,
      match: operatorAnswer(command.messageId, requestId),
      timeoutMs: Math.max(preferredWaitMs(h.prefer), this.config.COMMAND_ACK_WAIT_MS),
    });
    if (answer === null) {
      void reply.status(202);
      return { transactionId, action, status: 'pending' };
    }
    if (answer.kind === 'refused')
      throw new ProblemError(statusOfDomainCode(answer.code), answer.code, answer.detail);
    return answer.result;
  }
}
