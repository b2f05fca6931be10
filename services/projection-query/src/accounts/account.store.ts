import { formatDecimal, formatMinorUnits, toMinor } from '@billing/contracts/money';
import { runStatement, type Knex } from '@billing/platform/db';
import { perSchema } from '../shared/statements';
import type { AccountEffect, AccountState, HistoryLine } from './account.evolve';
import { AccountStreamItemSchema, type AccountStreamItem } from './account-stream';

export interface AccountRow {
  id: string;
  owner_id: string;
  owner_type: string;
  type: AccountState['type'];
  currency: string;
  scale: number;
  status: AccountState['status'];
  balance: string;
  min_balance: string | null;
  max_balance: string | null;
  metadata: Record<string, string>;
  version: number;
  created_at: Date;
  updated_at: Date;
}

/** Every column of an account row, in the table's order (named, not `*`: see shared/statements.ts). */
export const ACCOUNT_COLUMNS = [
  'id',
  'owner_id',
  'owner_type',
  'type',
  'currency',
  'scale',
  'status',
  'balance',
  'min_balance',
  'max_balance',
  'metadata',
  'version',
  'created_at',
  'updated_at',
] as const;

export function stateOfRow(row: AccountRow): AccountState {
  const limit = (v: string | null) => (v === null ? null : formatDecimal(v, row.scale));
  return {
    id: row.id,
    ownerId: row.owner_id,
    ownerType: row.owner_type,
    type: row.type,
    currency: row.currency,
    scale: row.scale,
    status: row.status,
    balance: formatDecimal(row.balance, row.scale),
    minBalance: limit(row.min_balance),
    maxBalance: limit(row.max_balance),
    metadata: row.metadata,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export async function loadAccounts(
  trx: Knex.Transaction,
  schema: string,
  ids: readonly string[],
): Promise<Map<string, AccountState>> {
  const rows = await runStatement<AccountRow>(trx, LOAD_ACCOUNTS(schema), [ids]);
  return new Map(rows.map((r) => [r.id, stateOfRow(r)]));
}

const LOAD_ACCOUNTS = perSchema(
  'accounts_load',
  (schema) => `select ${ACCOUNT_COLUMNS.join(', ')} from ${schema}.accounts where id = any($1::uuid[])`,
);

const SAVE_ACCOUNTS = perSchema(
  'accounts_save',
  (schema) =>
    `insert into ${schema}.accounts (${ACCOUNT_COLUMNS.join(', ')})
     select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::smallint[], $7::text[],
       $8::numeric[], $9::numeric[], $10::numeric[], $11::jsonb[], $12::int[], $13::timestamptz[], $14::timestamptz[])
     on conflict (id) do update
       set ${ACCOUNT_COLUMNS.filter((c) => c !== 'id')
         .map((c) => `${c} = excluded.${c}`)
         .join(', ')}`,
);

export async function saveAccounts(trx: Knex.Transaction, schema: string, states: readonly AccountState[]) {
  if (states.length === 0) return;
  // One upsert for every account the batch changed, one array per column (ACCOUNT_COLUMNS' order).
  await runStatement(trx, SAVE_ACCOUNTS(schema), [
    states.map((s) => s.id),
    states.map((s) => s.ownerId),
    states.map((s) => s.ownerType),
    states.map((s) => s.type),
    states.map((s) => s.currency),
    states.map((s) => s.scale),
    states.map((s) => s.status),
    states.map((s) => s.balance),
    states.map((s) => s.minBalance),
    states.map((s) => s.maxBalance),
    states.map((s) => JSON.stringify(s.metadata)),
    states.map((s) => s.version),
    states.map((s) => s.createdAt),
    states.map((s) => s.updatedAt),
  ]);
}

/** The lowest parked items of each account, at most `perAccountMax` each, parsed back into items. */
export async function loadPending(
  trx: Knex.Transaction,
  schema: string,
  ids: readonly string[],
  perAccountMax: number,
): Promise<Map<string, AccountStreamItem[]>> {
  const rows = await runStatement<{ account_id: string; item: unknown }>(trx, LOAD_PENDING(schema), [
    ids,
    perAccountMax,
  ]);
  const byAccount = new Map<string, AccountStreamItem[]>();
  for (const row of rows) {
    const list = byAccount.get(row.account_id) ?? [];
    list.push(AccountStreamItemSchema.parse(row.item));
    byAccount.set(row.account_id, list);
  }
  return byAccount;
}

const LOAD_PENDING = perSchema(
  'pending_load',
  (schema) =>
    `select account_id, item from (
       select account_id, item, row_number() over (partition by account_id order by version, slot) as n
         from ${schema}.pending_events where account_id = any($1::uuid[])) p
     where n <= $2::int order by account_id, n`,
);

// parked_at takes its default: when the item was parked.
const PARK = perSchema(
  'pending_park',
  (schema) =>
    `insert into ${schema}.pending_events (account_id, version, slot, item)
     select * from unnest($1::uuid[], $2::int[], $3::smallint[], $4::jsonb[])
     on conflict (account_id, version, slot) do nothing`,
);

const UNPARK = perSchema(
  'pending_unpark',
  (schema) =>
    `delete from ${schema}.pending_events p
     using unnest($1::uuid[], $2::int[], $3::smallint[]) as k(account_id, version, slot)
     where p.account_id = k.account_id and p.version = k.version and p.slot = k.slot`,
);

export async function park(trx: Knex.Transaction, schema: string, items: readonly AccountStreamItem[]) {
  if (items.length === 0) return;
  await runStatement(trx, PARK(schema), [
    items.map((i) => i.accountId),
    items.map((i) => i.version),
    items.map((i) => i.slot),
    items.map((i) => JSON.stringify(i)),
  ]);
}

export async function unpark(trx: Knex.Transaction, schema: string, items: readonly AccountStreamItem[]) {
  if (items.length === 0) return;
  await runStatement(trx, UNPARK(schema), [
    items.map((i) => i.accountId),
    items.map((i) => i.version),
    items.map((i) => i.slot),
  ]);
}

const INSERT_HISTORY = perSchema(
  'history_insert',
  (schema) =>
    `insert into ${schema}.account_history (account_id, version, entry_id, transaction_id, transaction_type, step,
       side, amount, balance_after, reverses_entry_id, posted_at)
     select * from unnest($1::uuid[], $2::int[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[],
       $8::numeric[], $9::numeric[], $10::uuid[], $11::timestamptz[])
     on conflict (account_id, version) do nothing`,
);

const OPEN_HOLDS = perSchema(
  'holds_open',
  (schema) =>
    `insert into ${schema}.holds (hold_id, account_id, transaction_id, amount, status, expires_at, placed_at)
     select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::numeric[], $5::text[], $6::timestamptz[],
       $7::timestamptz[])
     on conflict (hold_id) do nothing`,
);

// Only an open hold closes, as one statement per close did: a later close of the same hold found it closed.
const CLOSE_HOLDS = perSchema(
  'holds_close',
  (schema) =>
    `update ${schema}.holds h
     set status = v.status, captured_amount = v.captured_amount, closed_at = v.closed_at
     from unnest($1::uuid[], $2::text[], $3::numeric[], $4::timestamptz[])
       as v(hold_id, status, captured_amount, closed_at)
     where h.hold_id = v.hold_id and h.status = 'open'`,
);

const ADD_TOTALS = perSchema(
  'totals_add',
  (schema) =>
    `insert into ${schema}.currency_totals (currency, scale, debits, credits)
     select * from unnest($1::text[], $2::smallint[], $3::numeric[], $4::numeric[])
     on conflict (currency) do update
       set debits = currency_totals.debits + excluded.debits, credits = currency_totals.credits + excluded.credits`,
);

/** Writes the effects of applied items: history lines, holds, and the per-currency posting totals. */
export async function writeEffects(trx: Knex.Transaction, schema: string, effects: readonly AccountEffect[]) {
  const history: HistoryLine[] = [];
  const opened: Extract<AccountEffect, { kind: 'hold-opened' }>[] = [];
  const closed = new Map<string, Extract<AccountEffect, { kind: 'hold-closed' }>>();
  const totals = new Map<string, { scale: number; debits: bigint; credits: bigint }>();
  for (const e of effects) {
    if (e.kind === 'history') {
      history.push(e.line);
    } else if (e.kind === 'hold-opened') {
      opened.push(e);
    } else if (e.kind === 'hold-closed') {
      // The first close of a hold is the one that finds it open; an update joining several would pick any.
      if (!closed.has(e.holdId)) closed.set(e.holdId, e);
    } else if (e.kind === 'posting-total') {
      const t = totals.get(e.currency) ?? { scale: e.scale, debits: 0n, credits: 0n };
      if (e.side === 'debit') t.debits += toMinor(e.amount, t.scale);
      else t.credits += toMinor(e.amount, t.scale);
      totals.set(e.currency, t);
    }
  }
  if (history.length > 0)
    await runStatement(trx, INSERT_HISTORY(schema), [
      history.map((l) => l.accountId),
      history.map((l) => l.version),
      history.map((l) => l.entryId),
      history.map((l) => l.transactionId),
      history.map((l) => l.transactionType),
      history.map((l) => l.step),
      history.map((l) => l.side),
      history.map((l) => l.amount),
      history.map((l) => l.balanceAfter),
      history.map((l) => l.reversesEntryId),
      history.map((l) => l.postedAt),
    ]);
  if (opened.length > 0)
    await runStatement(trx, OPEN_HOLDS(schema), [
      opened.map((h) => h.holdId),
      opened.map((h) => h.accountId),
      opened.map((h) => h.transactionId),
      opened.map((h) => h.amount),
      opened.map(() => 'open'),
      opened.map((h) => h.expiresAt),
      opened.map((h) => h.placedAt),
    ]);
  // Closing after opening: a hold placed and released in one batch is inserted first, then closed.
  if (closed.size > 0) {
    const closes = [...closed.values()];
    await runStatement(trx, CLOSE_HOLDS(schema), [
      closes.map((c) => c.holdId),
      closes.map((c) => c.status),
      closes.map((c) => c.capturedAmount),
      closes.map((c) => c.closedAt),
    ]);
  }
  // One upsert for every currency, its rows in the order the batch first touched them.
  if (totals.size > 0) {
    const currencies = [...totals];
    await runStatement(trx, ADD_TOTALS(schema), [
      currencies.map(([currency]) => currency),
      currencies.map(([, t]) => t.scale),
      currencies.map(([, t]) => formatMinorUnits(t.debits, t.scale)),
      currencies.map(([, t]) => formatMinorUnits(t.credits, t.scale)),
    ]);
  }
}
