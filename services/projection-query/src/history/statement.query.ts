import { formatDecimal } from '@billing/contracts/money';
import { STATEMENT_LINES_MAX, type QueryRequest, type Statement } from '@billing/contracts/messages/queries';
import { visibleAccount } from '../accounts/account.queries';
import { invalid, notFound, type QueryContext, type QueryFailure } from '../queries/query-context';
import { tableOf } from '../read-model/schema';

interface HistoryRow {
  version: number;
  entry_id: string;
  transaction_id: string;
  transaction_type: Statement['lines'][number]['transactionType'];
  step: string;
  side: 'debit' | 'credit';
  amount: string;
  balance_after: string;
  reverses_entry_id: string | null;
  posted_at: Date;
}

/**
 * An account statement for [from, to): the balance before the first line, the lines in stream order with
 * their running balance, and the balance after the last. Accounts open at zero, so without earlier
 * lines the opening balance is zero. Line times are the ledger's posting times.
 */
export async function getStatement(
  ctx: QueryContext,
  q: Extract<QueryRequest, { type: 'GetStatement' }>,
): Promise<Statement | QueryFailure> {
  const to = q.to ?? new Date(ctx.nowMs).toISOString();
  if (q.from !== null && Date.parse(q.from) >= Date.parse(to)) return invalid('from must be before to');
  const account = await visibleAccount(ctx, q.actor, q.accountId);
  if (!account) return notFound('account', q.accountId);
  const history = tableOf(ctx.schema, 'account_history');
  const balanceBefore = async (instant: string | null): Promise<string> => {
    if (instant === null) return formatDecimal('0', account.scale);
    const row = await ctx
      .trx(history)
      .where({ account_id: account.id })
      .andWhere('posted_at', '<', instant)
      .orderBy([
        { column: 'posted_at', order: 'desc' },
        { column: 'version', order: 'desc' },
      ])
      .first<{ balance_after: string } | undefined>('balance_after');
    return formatDecimal(row?.balance_after ?? '0', account.scale);
  };
  const rows = await ctx
    .trx(history)
    .where({ account_id: account.id })
    .andWhere('posted_at', '<', to)
    .modify((qb) => {
      if (q.from !== null) qb.andWhere('posted_at', '>=', q.from);
    })
    .orderBy('version')
    .limit(STATEMENT_LINES_MAX + 1)
    .select<HistoryRow[]>('*');
  return {
    accountId: account.id,
    currency: account.currency,
    from: q.from,
    to,
    openingBalance: await balanceBefore(q.from),
    closingBalance: await balanceBefore(to),
    lines: rows.slice(0, STATEMENT_LINES_MAX).map((r) => ({
      version: r.version,
      entryId: r.entry_id,
      transactionId: r.transaction_id,
      transactionType: r.transaction_type,
      step: r.step,
      side: r.side,
      amount: formatDecimal(r.amount, account.scale),
      balanceAfter: formatDecimal(r.balance_after, account.scale),
      reversesEntryId: r.reverses_entry_id,
      postedAt: r.posted_at.toISOString(),
    })),
    truncated: rows.length > STATEMENT_LINES_MAX,
  };
}
