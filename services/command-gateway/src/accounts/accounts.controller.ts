import type { Actor } from '@billing/contracts/envelope';
import { ChangeAccountStatus, OpenAccount } from '@billing/contracts/messages/accounts';
import { createMessage } from '@billing/contracts/catalog';
import { IDEMPOTENCY_NAMESPACE, uuidv5, uuidv7 } from '@billing/contracts/uuid';
import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Patch, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CurrentActor } from '../auth/auth.guard';
import { ApiRoute } from '../openapi/api-route';
import * as docs from '../openapi/accounts.docs';
import { GATEWAY_CONFIG } from '../tokens';
import type { GatewayConfig } from '../config';
import { preferredWaitMs } from '../http/prefer';
import { ProblemError } from '../http/problem';
import { parseBody, parseId, statusOfDomainCode } from '../http/route-support';
import { GatewayMessaging } from '../kafka/messaging';
import { ChangeStatusBodySchema, OpenAccountBodySchema } from './account-bodies';

@Controller('api/v1/accounts')
export class AccountsController {
  constructor(
    private readonly messaging: GatewayMessaging,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /**
   * Opens an account. Answers 201 with the account once the ledger confirmed it, or 202 with its
   * Location when the confirmation takes longer than the wait.
   */
  @Post()
  @ApiRoute(docs.OPEN_ACCOUNT)
  async open(
    @Body() body: unknown,
    @Headers() headers: Record<string, string | undefined>,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const input = parseBody(OpenAccountBodySchema, body);
    if (actor.kind === 'owner' && (input.type !== 'USER' || input.ownerId !== actor.id)) {
      throw new ProblemError(403, 'AUTH.FORBIDDEN', 'an owner may only open USER accounts for itself');
    }
    const key = headers['idempotency-key'] ?? input.idempotencyKey;
    const accountId = key
      ? uuidv5(`account:${actor.kind}:${actor.id}:${key}`, IDEMPOTENCY_NAMESPACE)
      : uuidv7();
    const command = createMessage(
      OpenAccount,
      {
        accountId,
        ownerId: input.ownerId,
        ownerType: input.ownerType,
        type: input.type,
        currency: input.currency,
        metadata: input.metadata ?? {},
      },
      this.messaging.meta(actor),
    );
    const waitMs = Math.max(preferredWaitMs(headers.prefer), this.config.ACCOUNT_CONFIRM_WAIT_MS);
    const result = await this.messaging.emitAndWait('accountCommands', accountId, command, {
      key: accountId,
      match: (event) => {
        if (event.type === 'AccountOpened') return { kind: 'opened', account: event.data } as const;
        if (event.type === 'CommandRejected' && event.data.commandId === command.messageId) {
          return { kind: 'rejected', rejection: event.data } as const;
        }
        return undefined;
      },
      timeoutMs: waitMs,
    });
    void reply.header('location', `/api/v1/accounts/${accountId}`);
    if (result === null) {
      void reply.status(202);
      return { id: accountId, status: 'pending' };
    }
    if (result.kind === 'rejected') {
      const { code, detail } = result.rejection;
      throw new ProblemError(statusOfDomainCode(code), code, detail);
    }
    const a = result.account;
    void reply.status(201);
    return {
      id: a.accountId,
      ownerId: a.ownerId,
      ownerType: a.ownerType,
      type: a.type,
      currency: a.currency,
      balance: a.balance,
      status: a.status,
      metadata: a.metadata,
      createdAt: a.openedAt,
    };
  }

  /**
   * Suspends, reactivates or closes an account (admins only; closed is final and needs a zero balance and
   * no open holds). Answers once the ledger has decided, or 202 when that takes longer than the wait.
   */
  @Patch(':id/status')
  @ApiRoute(docs.CHANGE_ACCOUNT_STATUS)
  async changeStatus(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers() headers: Record<string, string | undefined>,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const accountId = parseId(id, 'ACCOUNT.NOT_FOUND');
    const input = parseBody(ChangeStatusBodySchema, body);
    if (actor.kind === 'owner') {
      // An owner learns nothing about accounts it does not own: 404 for those, 403 for its own.
      const own = await this.messaging.query({ type: 'GetAccount', actor, accountId });
      if (!own.ok) throw new ProblemError(404, 'ACCOUNT.NOT_FOUND', `account ${accountId} does not exist`);
      throw new ProblemError(403, 'AUTH.FORBIDDEN', 'only an admin may change an account status');
    }
    const command = createMessage(
      ChangeAccountStatus,
      { accountId, status: input.status, reason: input.reason ?? '' },
      this.messaging.meta(actor),
    );
    const result = await this.messaging.emitAndWait('accountCommands', accountId, command, {
      key: accountId,
      match: (event) => {
        if (event.type === 'AccountStatusChanged' && event.data.commandId === command.messageId) {
          return { kind: 'changed', data: event.data } as const;
        }
        if (event.type === 'CommandRejected' && event.data.commandId === command.messageId) {
          return { kind: 'rejected', code: event.data.code, detail: event.data.detail } as const;
        }
        return undefined;
      },
      timeoutMs: Math.max(preferredWaitMs(headers.prefer), this.config.ACCOUNT_CONFIRM_WAIT_MS),
    });
    void reply.header('location', `/api/v1/accounts/${accountId}`);
    if (result === null) {
      void reply.status(202);
      return { accountId, status: 'pending' };
    }
    if (result.kind === 'rejected')
      throw new ProblemError(statusOfDomainCode(result.code), result.code, result.detail);
    return { accountId, status: result.data.status, previousStatus: result.data.previousStatus };
  }

  @Get(':id')
  @HttpCode(200)
  @ApiRoute(docs.GET_ACCOUNT)
  async get(@Param('id') id: string, @CurrentActor() actor: Actor): Promise<unknown> {
    const reply = await this.messaging.query({
      type: 'GetAccount',
      actor,
      accountId: parseId(id, 'ACCOUNT.NOT_FOUND'),
    });
    if (!reply.ok) throw new ProblemError(statusOfDomainCode(reply.code), reply.code, reply.detail);
    return reply.data;
  }

  @Get(':id/balance')
  @ApiRoute(docs.GET_ACCOUNT_BALANCE)
  async balance(@Param('id') id: string, @CurrentActor() actor: Actor): Promise<unknown> {
    const reply = await this.messaging.query({
      type: 'GetAccountBalance',
      actor,
      accountId: parseId(id, 'ACCOUNT.NOT_FOUND'),
    });
    if (!reply.ok) throw new ProblemError(statusOfDomainCode(reply.code), reply.code, reply.detail);
    return reply.data;
  }
}
