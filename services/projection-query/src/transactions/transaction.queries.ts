import type { Actor } from '@billing/contracts/envelope';
import type { Knex } from '@billing/platform/db';
import { decimalPlaces, formatMinorUnits, toMinor } from '@billing/contracts/money';
import {
  REFUNDS_LISTED_MAX,
  type InvestigationView,
  type QueryRequest,
  type TransactionDetails,
  type TransactionView,
} from '@billing/contracts/messages/queries';
import { visibleAccount } from '../accounts/account.queries';
import { decodeCursor, pageOf } from '../queries/cursor';
import {
  forbidden,
  invalid,
  notFound,
  privileged,
  visibleTo,
  type QueryContext,
  type QueryFailure,
} from '../queries/query-context';
import { tableOf } from '../read-model/schema';
import { transactionStateOfRow, type TransactionRow } from './transaction-events.handler';
import type { TransactionState } from './transaction.evolve';

export function toSummary(s: TransactionState): TransactionView {
  return {
    transactionId: s.transactionId,
    type: s.type,
    status: s.status,
    amount: s.amount,
    currency: s.currency,
    sourceAccountId: s.sourceAccountId,
    destinationAccountId: s.destinationAccountId,
    idempotencyKey: s.idempotencyKey,
    reason: s.reason,
    originalTransactionId: s.originalTransactionId,
    details: s.details,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

async function scaleOf(ctx: QueryContext, currency: string, fallback: string): Promise<number> {
  const row = await ctx
    .trx(tableOf(ctx.schema, 'currencies'))
    .where({ code: currency })
    .first<{ scale: number } | undefined>();
  return row?.scale ?? decimalPlaces(fallback);
}

/**
 * What a payment has given back and what is left: completed refunds count as refunded, and pending ones
 * are reserved too (the orchestrator reserves a refund before it moves money), so neither may be
 * refunded twice. Only a completed payment is refundable; other types have no refund figures.
 */
async function refundsOf(ctx: QueryContext, s: TransactionState) {
  const table = tableOf(ctx.schema, 'transactions');
  const refunds = await ctx
    .trx(table)
    .where({ original_transaction_id: s.transactionId })
    .orderBy([{ column: 'created_at' }, { column: 'transaction_id' }])
    .limit(REFUNDS_LISTED_MAX)
    .select<TransactionRow[]>('*');
  const sums = await ctx
    .trx(table)
    .where({ original_transaction_id: s.transactionId })
    .groupBy('status')
    .select<{ status: string; sum: string }[]>('status', ctx.trx.raw('sum(amount) as sum'));
  const listed = refunds.map((r) => ({
    transactionId: r.transaction_id,
    status: r.status,
    amount: r.amount,
    createdAt: r.created_at.toISOString(),
  }));
  if (s.type !== 'payment') return { refunds: listed, refundedAmount: null, refundableAmount: null };
  const scale = await scaleOf(ctx, s.currency, s.amount);
  const sumOf = (status: string) => toMinor(sums.find((x) => x.status === status)?.sum ?? '0', scale);
  const refunded = sumOf('completed');
  // A refund that needs attention may still move money: it stays reserved like a pending one.
  const left = toMinor(s.amount, scale) - refunded - sumOf('pending') - sumOf('needs_attention');
  return {
    refunds: listed,
    refundedAmount: formatMinorUnits(refunded, scale),
    refundableAmount: formatMinorUnits(s.status === 'completed' && left > 0n ? left : 0n, scale),
  };
}

export async function getTransaction(
  ctx: QueryContext,
  actor: Actor,
  transactionId: string,
): Promise<TransactionDetails | QueryFailure> {
  const row = await ctx
    .trx(tableOf(ctx.schema, 'transactions'))
    .where({ transaction_id: transactionId })
    .first<TransactionRow | undefined>();
  if (!row) return notFound('transaction', transactionId);
  // An owner sees the transactions that touch one of its accounts.
  const owners = await ctx
    .trx(tableOf(ctx.schema, 'accounts'))
    .whereIn('id', [row.source_account_id, row.destination_account_id])
    .pluck<string[]>('owner_id');
  if (!visibleTo(actor, owners)) return notFound('transaction', transactionId);
  const s = transactionStateOfRow(row);
  const investigation = (await investigationsOf(ctx, [transactionId])).get(transactionId) ?? null;
  return { ...toSummary(s), investigation, finishedAt: s.finishedAt, ...(await refundsOf(ctx, s)) };
}

/** Transactions touching one account, newest first, with optional filters. */
export async function listAccountTransactions(
  ctx: QueryContext,
  q: Extract<QueryRequest, { type: 'ListAccountTransactions' }>,
) {
  const before = q.cursor === null ? null : decodeCursor(q.cursor);
  if (q.cursor !== null && before === null) return invalid('cursor is not one this service wrote');
  if (q.from !== null && q.to !== null && Date.parse(q.from) >= Date.parse(q.to))
    return invalid('from must be before to');
  if (!(await visibleAccount(ctx, q.actor, q.accountId))) return notFound('account', q.accountId);
  const rows = await ctx
    .trx({ l: tableOf(ctx.schema, 'account_transactions') })
    .join({ t: tableOf(ctx.schema, 'transactions') }, 't.transaction_id', 'l.transaction_id')
    .where('l.account_id', q.accountId)
    .modify((qb) => {
      if (before)
        qb.andWhereRaw('(l.created_at, l.transaction_id) < (?::timestamptz, ?::uuid)', [
          before.at,
          before.id,
        ]);
      if (q.from !== null) qb.andWhere('l.created_at', '>=', q.from);
      if (q.to !== null) qb.andWhere('l.created_at', '<', q.to);
      if (q.transactionType !== null) qb.andWhere('t.type', q.transactionType);
      if (q.status !== null) qb.andWhere('t.status', q.status);
    })
    .orderBy([
      { column: 'l.created_at', order: 'desc' },
      { column: 'l.transaction_id', order: 'desc' },
    ])
    .limit(q.limit + 1)
    .select<TransactionRow[]>('t.*');
  const page = pageOf(rows.map(transactionStateOfRow), q.limit, (s) => ({
    at: s.createdAt,
    id: s.transactionId,
  }));
  return { items: page.items.map(toSummary), nextCursor: page.nextCursor };
}

/**
 * Transactions still pending past their deadline (createdAt + STUCK_AFTER_MS), oldest first: sagas that
 * neither finished nor failed in time and need someone to look at them. Admins only.
 */
export async function listStuckTransactions(
  ctx: QueryContext,
  q: Extract<QueryRequest, { type: 'ListStuckTransactions' }>,
) {
  if (!privileged(q.actor)) return forbidden('only an admin may list stuck transactions');
  const deadlinePassedBefore = new Date(ctx.nowMs - ctx.stuckAfterMs).toISOString();
  const page = await oldestFirst(ctx, q, (qb) =>
    qb.where({ status: 'pending' }).andWhere('created_at', '<', deadlinePassedBefore),
  );
  if ('ok' in page) return page;
  const flags = await investigationsOf(
    ctx,
    page.items.map((s) => s.transactionId),
  );
  return {
    items: page.items.map((s) => ({
      ...toSummary(s),
      investigation: flags.get(s.transactionId) ?? null,
      deadlineAt: new Date(Date.parse(s.createdAt) + ctx.stuckAfterMs).toISOString(),
    })),
    nextCursor: page.nextCursor,
    stuckAfterMs: ctx.stuckAfterMs,
  };
}

/**
 * Transactions whose saga could not finish on its own and waits for a person (or a later retry): status
 * needs_attention, oldest first, with the reason. Admins only. A later final event takes a transaction
 * off this list.
 */
export async function listTransactionsNeedingAttention(
  ctx: QueryContext,
  q: Extract<QueryRequest, { type: 'ListTransactionsNeedingAttention' }>,
) {
  if (!privileged(q.actor)) return forbidden('only an admin may list transactions that need attention');
  const page = await oldestFirst(ctx, q, (qb) => qb.where({ status: 'needs_attention' }));
  if ('ok' in page) return page;
  const flags = await investigationsOf(
    ctx,
    page.items.map((s) => s.transactionId),
  );
  return {
    items: page.items.map((s) => ({ ...toSummary(s), investigation: flags.get(s.transactionId) ?? null })),
    nextCursor: page.nextCursor,
  };
}

/** The investigation flags of these transactions, by id; an unflagged one is absent. */
async function investigationsOf(
  ctx: QueryContext,
  transactionIds: readonly string[],
): Promise<Map<string, InvestigationView>> {
  if (transactionIds.length === 0) return new Map();
  const rows = await ctx
    .trx(tableOf(ctx.schema, 'transaction_investigations'))
    .whereIn('transaction_id', transactionIds)
    .andWhere('flagged', true)
    .select<{ transaction_id: string; note: string; flagged_by: Actor; flagged_at: Date }[]>(
      'transaction_id',
      'note',
      'flagged_by',
      'flagged_at',
    );
  return new Map(
    rows.map((r) => [
      r.transaction_id,
      { note: r.note, flaggedBy: r.flagged_by, flaggedAt: r.flagged_at.toISOString() },
    ]),
  );
}

/**
 * One page of the transactions `filter` selects, oldest first, after the cursor: the admin listings of
 * stuck transactions and of those needing attention share it.
 */
async function oldestFirst(
  ctx: QueryContext,
  q: { cursor: string | null; limit: number; flagged: boolean | null },
  filter: (qb: Knex.QueryBuilder) => Knex.QueryBuilder,
) {
  const after = q.cursor === null ? null : decodeCursor(q.cursor);
  if (q.cursor !== null && after === null) return invalid('cursor is not one this service wrote');
  const transactions = tableOf(ctx.schema, 'transactions');
  const investigations = tableOf(ctx.schema, 'transaction_investigations');
  const flaggedOnes = (qb: Knex.QueryBuilder) =>
    qb
      .select(ctx.trx.raw('1'))
      .from(investigations)
      .whereRaw('??.transaction_id = ??.transaction_id', [investigations, transactions])
      .andWhere('flagged', true);
  const rows = await ctx
    .trx(transactions)
    .modify((qb) => {
      filter(qb);
      if (q.flagged === true) qb.whereExists(flaggedOnes);
      if (q.flagged === false) qb.whereNotExists(flaggedOnes);
      if (after)
        qb.andWhereRaw('(created_at, transaction_id) > (?::timestamptz, ?::uuid)', [after.at, after.id]);
    })
    .orderBy([{ column: 'created_at' }, { column: 'transaction_id' }])
    .limit(q.limit + 1)
    .select<TransactionRow[]>('*');
  return pageOf(rows.map(transactionStateOfRow), q.limit, (s) => ({ at: s.createdAt, id: s.transactionId }));
}
