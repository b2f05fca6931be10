import type { Actor } from '@billing/contracts/envelope';
import { Controller, Get, Param, Query } from '@nestjs/common';
import { CurrentActor } from '../auth/auth.guard';
import { ProblemError } from '../http/problem';
import { parseId } from '../http/route-support';
import { GatewayMessaging } from '../kafka/messaging';
import { ApiRoute } from '../openapi/api-route';
import * as docs from '../openapi/accounts.docs';
import { parseQueryString, unwrap } from './read-query';
import { AccountTransactionsQuery, ListAccountsQuery, StatementQuery } from './read-queries';

/**
 * Read routes about accounts, answered by projection-query over Kafka. Owners see only their own
 * accounts: the read side answers another owner's account as not found.
 */
@Controller('api/v1/accounts')
export class AccountsReadController {
  constructor(private readonly messaging: GatewayMessaging) {}

  /** Accounts of one owner, oldest first. An owner may leave ownerId out and gets its own. */
  @Get()
  @ApiRoute(docs.LIST_ACCOUNTS)
  async list(@Query() raw: unknown, @CurrentActor() actor: Actor): Promise<unknown> {
    const q = parseQueryString(ListAccountsQuery, raw);
    const ownerId = q.ownerId ?? (actor.kind === 'owner' ? actor.id : undefined);
    if (ownerId === undefined) {
      throw new ProblemError(400, 'REQUEST.INVALID', 'ownerId: required', [
        { field: 'ownerId', code: 'REQUEST.INVALID', message: 'required' },
      ]);
    }
    return unwrap(
      await this.messaging.query({ type: 'ListAccounts', actor, ownerId, limit: q.limit, cursor: q.cursor }),
    );
  }

  /** Transactions touching the account, newest first, keyset-paginated: `{items, nextCursor}`. */
  @Get(':id/transactions')
  @ApiRoute(docs.LIST_ACCOUNT_TRANSACTIONS)
  async transactions(
    @Param('id') id: string,
    @Query() raw: unknown,
    @CurrentActor() actor: Actor,
  ): Promise<unknown> {
    const accountId = parseId(id, 'ACCOUNT.NOT_FOUND');
    const q = parseQueryString(AccountTransactionsQuery, raw);
    return unwrap(
      await this.messaging.query({
        type: 'ListAccountTransactions',
        actor,
        accountId,
        transactionType: q.type,
        status: q.status,
        from: q.from,
        to: q.to,
        limit: q.limit,
        cursor: q.cursor,
      }),
    );
  }

  /** `{openingBalance, closingBalance, lines}` for [from, to); to defaults to now, from to the opening. */
  @Get(':id/statement')
  @ApiRoute(docs.GET_ACCOUNT_STATEMENT)
  async statement(
    @Param('id') id: string,
    @Query() raw: unknown,
    @CurrentActor() actor: Actor,
  ): Promise<unknown> {
    const accountId = parseId(id, 'ACCOUNT.NOT_FOUND');
    const q = parseQueryString(StatementQuery, raw);
    return unwrap(
      await this.messaging.query({ type: 'GetStatement', actor, accountId, from: q.from, to: q.to }),
    );
  }
}
