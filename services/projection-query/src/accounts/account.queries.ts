import { formatDecimal, formatMinorUnits, toMinor } from '@billing/contracts/money';
import type { Actor } from '@billing/contracts/envelope';
import {
  OPEN_HOLDS_LISTED_MAX,
  type AccountView,
  type BalanceView,
} from '@billing/contracts/messages/queries';
import { runStatement } from '@billing/platform/db';
import { decodeCursor, pageOf } from '../queries/cursor';
import { invalid, notFound, visibleTo, type QueryContext, type QueryFailure } from '../queries/query-context';
import { tableOf } from '../read-model/schema';
import { perSchema } from '../shared/statements';
import { ACCOUNT_COLUMNS, stateOfRow, type AccountRow } from './account.store';

interface HoldRow {
  hold_id: string;
  account_id: string;
  transaction_id: string;
  amount: string;
  expires_at: Date;
  placed_at: Date;
}

interface OpenHolds {
  count: number;
  sum: string;
  listed: HoldRow[];
}

/** Every column of a hold row, in the table's order (named, not `*`: see shared/statements.ts). */
const HOLD_COLUMNS =
  'hold_id, account_id, transaction_id, amount, status, captured_amount, expires_at, placed_at, closed_at';

const OPEN_HOLD_TOTALS = perSchema(
  'open_hold_totals',
  (schema) =>
    `select account_id, count(*) as count, sum(amount) as sum from ${schema}.holds
     where account_id = any($1::uuid[]) and status = 'open'
     group by account_id`,
);

const OPEN_HOLDS_LISTED = perSchema(
  'open_holds_listed',
  (schema) =>
    `select ${HOLD_COLUMNS}, n from (
       select ${HOLD_COLUMNS}, row_number() over (partition by account_id order by placed_at, hold_id) as n
         from ${schema}.holds where account_id = any($1::uuid[]) and status = 'open') h
     where n <= $2::int order by account_id, n`,
);

/** Open holds of some accounts: count and sum over all of them, the oldest few listed. */
async function openHoldsOf(ctx: QueryContext, ids: readonly string[]): Promise<Map<string, OpenHolds>> {
  const totals = await runStatement<{ account_id: string; count: string; sum: string }>(
    ctx.trx,
    OPEN_HOLD_TOTALS(ctx.schema),
    [ids],
  );
  const listed = await runStatement<HoldRow>(ctx.trx, OPEN_HOLDS_LISTED(ctx.schema), [
    ids,
    OPEN_HOLDS_LISTED_MAX,
  ]);
  const result = new Map<string, OpenHolds>();
  for (const t of totals) result.set(t.account_id, { count: Number(t.count), sum: t.sum, listed: [] });
  for (const h of listed) result.get(h.account_id)?.listed.push(h);
  return result;
}

function toView(row: AccountRow, holds: OpenHolds | undefined): AccountView {
  const s = stateOfRow(row);
  const held = toMinor(holds?.sum ?? '0', s.scale);
  return {
    id: s.id,
    ownerId: s.ownerId,
    ownerType: s.ownerType,
    type: s.type,
    currency: s.currency,
    status: s.status,
    balance: s.balance,
    availableBalance: formatMinorUnits(toMinor(s.balance, s.scale) - held, s.scale),
    heldAmount: formatMinorUnits(held, s.scale),
    openHoldCount: holds?.count ?? 0,
    openHolds: (holds?.listed ?? []).map((h) => ({
      holdId: h.hold_id,
      transactionId: h.transaction_id,
      amount: formatDecimal(h.amount, s.scale),
      expiresAt: h.expires_at.toISOString(),
      placedAt: h.placed_at.toISOString(),
    })),
    limits: { minBalance: s.minBalance, maxBalance: s.maxBalance },
    metadata: s.metadata,
    version: s.version,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

/** The account row if it exists and the actor may see it; the other queries about an account start here. */
export async function visibleAccount(
  ctx: QueryContext,
  actor: Actor,
  accountId: string,
): Promise<AccountRow | null> {
  const [row] = await runStatement<AccountRow>(ctx.trx, ACCOUNT(ctx.schema), [accountId]);
  return row && visibleTo(actor, [row.owner_id]) ? row : null;
}

const ACCOUNT = perSchema(
  'account',
  (schema) => `select ${ACCOUNT_COLUMNS.join(', ')} from ${schema}.accounts where id = $1::uuid limit 1`,
);

export async function getAccount(
  ctx: QueryContext,
  actor: Actor,
  accountId: string,
): Promise<AccountView | QueryFailure> {
  const row = await visibleAccount(ctx, actor, accountId);
  if (!row) return notFound('account', accountId);
  return toView(row, (await openHoldsOf(ctx, [row.id])).get(row.id));
}

export async function getBalance(
  ctx: QueryContext,
  actor: Actor,
  accountId: string,
): Promise<BalanceView | QueryFailure> {
  const view = await getAccount(ctx, actor, accountId);
  if ('ok' in view) return view;
  return {
    accountId: view.id,
    balance: view.balance,
    availableBalance: view.availableBalance,
    currency: view.currency,
    status: view.status,
  };
}

/**
 * The balances of many accounts in one statement (the query server gathers a fetched batch's balance
 * reads): each account row with the sum of its open holds, then each asker gets its account if it may
 * see it, exactly as `getBalance` answers one.
 */
export async function getBalances(
  ctx: QueryContext,
  asked: readonly { actor: Actor; accountId: string }[],
): Promise<(BalanceView | QueryFailure)[]> {
  const ids = [...new Set(asked.map((q) => q.accountId))];
  const result = await runStatement<AccountRow & { held_sum: string }>(ctx.trx, BALANCES(ctx.schema), [ids]);
  const rows = new Map(result.map((r) => [r.id, r]));
  return asked.map(({ actor, accountId }) => {
    const row = rows.get(accountId);
    if (!row || !visibleTo(actor, [row.owner_id])) return notFound('account', accountId);
    const view = toView(row, { count: 0, sum: row.held_sum, listed: [] });
    return {
      accountId: view.id,
      balance: view.balance,
      availableBalance: view.availableBalance,
      currency: view.currency,
      status: view.status,
    };
  });
}

const BALANCES = perSchema(
  'balances',
  (schema) =>
    `select ${ACCOUNT_COLUMNS.map((c) => `a.${c}`).join(', ')},
       (select coalesce(sum(h.amount), 0) from ${schema}.holds h where h.account_id = a.id and h.status = 'open')
         as held_sum
     from ${schema}.accounts a where a.id = any($1::uuid[])`,
);

/** An owner's accounts, oldest first. An owner asking for someone else's sees an empty list. */
export async function listAccounts(
  ctx: QueryContext,
  query: { actor: Actor; ownerId: string; limit: number; cursor: string | null },
) {
  const after = query.cursor === null ? null : decodeCursor(query.cursor);
  if (query.cursor !== null && after === null) return invalid('cursor is not one this service wrote');
  if (!visibleTo(query.actor, [query.ownerId])) return { items: [], nextCursor: null };
  const rows = await ctx
    .trx(tableOf(ctx.schema, 'accounts'))
    .where({ owner_id: query.ownerId })
    .modify((q) => {
      if (after) q.andWhereRaw('(created_at, id) > (?::timestamptz, ?::uuid)', [after.at, after.id]);
    })
    .orderBy([{ column: 'created_at' }, { column: 'id' }])
    .limit(query.limit + 1)
    .select<AccountRow[]>('*');
  const page = pageOf(rows, query.limit, (r) => ({ at: r.created_at.toISOString(), id: r.id }));
  const holds = await openHoldsOf(
    ctx,
    page.items.map((r) => r.id),
  );
  return { items: page.items.map((r) => toView(r, holds.get(r.id))), nextCursor: page.nextCursor };
}
