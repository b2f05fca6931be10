import type { QueryReply, QueryRequest } from '@billing/contracts/messages/queries';
import { QueryReplySchemas, QueryRequestSchema } from '@billing/contracts/messages/queries';
import type { Knex } from '@billing/platform/db';
import { getAccount, getBalance, listAccounts } from '../accounts/account.queries';
import { getStatement } from '../history/statement.query';
import { getTrialBalance, listCurrencies } from '../reports/reports.queries';
import {
  getTransaction,
  listAccountTransactions,
  listStuckTransactions,
  listTransactionsNeedingAttention,
} from '../transactions/transaction.queries';
import { getTransactionActivity } from '../transactions/activity.query';
import { getTransactionTimeline } from '../transactions/timeline.query';
import type { QueryContext, QueryFailure } from './query-context';

type AnyReply = QueryReply<QueryRequest['type']>;

export interface QueryDeps {
  knex: Knex;
  schema: string;
  nowMs: () => number;
  stuckAfterMs: number;
  /** Longest a single SQL statement of a query may run; a query is never left to hang a connection. */
  statementTimeoutMs: number;
}

function isFailure(value: unknown): value is QueryFailure {
  return typeof value === 'object' && value !== null && 'ok' in value && value.ok === false;
}

function reply(value: unknown): unknown {
  return isFailure(value) ? value : { ok: true, data: value };
}

/**
 * Answers one query from the read models. The request is parsed here, at the edge of this service, and
 * the reply is parsed against its contract before it leaves. All reads of one answer share one
 * read-only snapshot (repeatable read), so a statement's lines and balances agree with each other.
 */
export async function answerQuery(deps: QueryDeps, raw: unknown): Promise<AnyReply> {
  const parsed = QueryRequestSchema.safeParse(raw);
  if (!parsed.success)
    return { ok: false, code: 'REQUEST.INVALID', detail: parsed.error.message.slice(0, 500) };
  const query = parsed.data;
  const result = await deps.knex.transaction(
    async (trx) => {
      await trx.raw(`select set_config('statement_timeout', ?, true)`, [`${deps.statementTimeoutMs}ms`]);
      const ctx: QueryContext = {
        trx,
        schema: deps.schema,
        nowMs: deps.nowMs(),
        stuckAfterMs: deps.stuckAfterMs,
      };
      return answer(ctx, query);
    },
    { readOnly: true, isolationLevel: 'repeatable read' },
  );
  return QueryReplySchemas[query.type].parse(reply(result)) as AnyReply;
}

async function answer(ctx: QueryContext, query: QueryRequest): Promise<unknown> {
  switch (query.type) {
    case 'GetAccount':
      return getAccount(ctx, query.actor, query.accountId);
    case 'GetAccountBalance':
      return getBalance(ctx, query.actor, query.accountId);
    case 'ListAccounts':
      return listAccounts(ctx, query);
    case 'GetTransaction':
      return getTransaction(ctx, query.actor, query.transactionId);
    case 'ListAccountTransactions':
      return listAccountTransactions(ctx, query);
    case 'GetStatement':
      return getStatement(ctx, query);
    case 'GetTrialBalance':
      return getTrialBalance(ctx, query.actor);
    case 'ListStuckTransactions':
      return listStuckTransactions(ctx, query);
    case 'ListCurrencies':
      return listCurrencies(ctx);
    case 'ListTransactionsNeedingAttention':
      return listTransactionsNeedingAttention(ctx, query);
    case 'GetTransactionActivity':
      return getTransactionActivity(ctx, query);
    case 'GetTransactionTimeline':
      return getTransactionTimeline(ctx, query.actor, query.transactionId);
    default: {
      const unreachable: never = query;
      throw new Error(`unknown query ${JSON.stringify(unreachable)}`);
    }
  }
}
