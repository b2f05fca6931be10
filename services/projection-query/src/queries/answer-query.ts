import type { QueryReply, QueryRequest } from '@billing/contracts/messages/queries';
import { QueryReplySchemas, QueryRequestSchema } from '@billing/contracts/messages/queries';
import type { Knex } from '@billing/platform/db';
import { getDeadLetter, listDeadLetters } from '../dead-letters/dead-letter.queries';
import { getAccount, getBalance, getBalances, listAccounts } from '../accounts/account.queries';
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
  /**
   * The query pool. Its connections carry a statement timeout (`statementTimeoutMs` of createDatabase),
   * so that a query is never left to hang a connection.
   */
  knex: Knex;
  schema: string;
  nowMs: () => number;
  stuckAfterMs: number;
}

function isFailure(value: unknown): value is QueryFailure {
  return typeof value === 'object' && value !== null && 'ok' in value && value.ok === false;
}

function reply(value: unknown): unknown {
  return isFailure(value) ? value : { ok: true, data: value };
}

/**
 * Answers the queries of one fetched batch. Balance reads, the most frequent query by far, are answered
 * together with one statement; every other query is answered on its own (`answerQuery`), concurrently. Answers come back in the order of `raws`; a query that could not be
 * answered at all comes back as its Error.
 */
export async function answerQueries(
  deps: QueryDeps,
  raws: readonly unknown[],
): Promise<(AnyReply | Error)[]> {
  const answers: (AnyReply | Error | undefined)[] = new Array(raws.length);
  const balances: { index: number; actor: QueryRequest['actor']; accountId: string }[] = [];
  const others: Promise<void>[] = [];
  raws.forEach((raw, index) => {
    const parsed = QueryRequestSchema.safeParse(raw);
    if (parsed.success && parsed.data.type === 'GetAccountBalance') {
      balances.push({ index, actor: parsed.data.actor, accountId: parsed.data.accountId });
      return;
    }
    others.push(
      answerQuery(deps, raw).then(
        (reply) => void (answers[index] = reply),
        (err: unknown) => void (answers[index] = err instanceof Error ? err : new Error(String(err))),
      ),
    );
  });
  if (balances.length > 0) {
    // One statement sees one snapshot: no transaction needed around it.
    const ctx = { trx: deps.knex, schema: deps.schema, nowMs: deps.nowMs(), stuckAfterMs: deps.stuckAfterMs };
    others.push(
      getBalances(ctx, balances).then(
        (results) =>
          results.forEach((r, i) => {
            answers[balances[i]!.index] = QueryReplySchemas.GetAccountBalance.parse(reply(r)) as AnyReply;
          }),
        (err: unknown) => {
          for (const b of balances) answers[b.index] = err instanceof Error ? err : new Error(String(err));
        },
      ),
    );
  }
  await Promise.all(others);
  return answers as (AnyReply | Error)[];
}

function inReadSnapshot<T>(deps: QueryDeps, work: (ctx: QueryContext) => Promise<T>): Promise<T> {
  return deps.knex.transaction(
    (trx) => work({ trx, schema: deps.schema, nowMs: deps.nowMs(), stuckAfterMs: deps.stuckAfterMs }),
    { readOnly: true, isolationLevel: 'repeatable read' },
  );
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
  const result = await inReadSnapshot(deps, (ctx) => answer(ctx, query));
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
    case 'ListDeadLetters':
      return listDeadLetters(ctx, query);
    case 'GetDeadLetter':
      return getDeadLetter(ctx, query);
    default: {
      const unreachable: never = query;
      throw new Error(`unknown query ${JSON.stringify(unreachable)}`);
    }
  }
}
