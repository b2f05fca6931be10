import { formatDecimal, formatMinorUnits, toMinor } from '@billing/contracts/money';
import type { Knex } from '@billing/platform/db';
import { tableOf } from '../read-model/schema';
import { insertIgnoringDuplicates } from '../shared/insert-chunked';
import { pgArray } from '../shared/pg-array';
import type { AccountEffect, AccountState } from './account.evolve';
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
  const rows = await trx(tableOf(schema, 'accounts')).whereIn('id', ids).select<AccountRow[]>('*');
  return new Map(rows.map((r) => [r.id, stateOfRow(r)]));
}

export async function saveAccounts(trx: Knex.Transaction, schema: string, states: readonly AccountState[]) {
  if (states.length === 0) return;
  // One upsert for every account the batch changed.
  await trx(tableOf(schema, 'accounts'))
    .insert(
      states.map((s) => ({
        id: s.id,
        owner_id: s.ownerId,
        owner_type: s.ownerType,
        type: s.type,
        currency: s.currency,
        scale: s.scale,
        status: s.status,
        balance: s.balance,
        min_balance: s.minBalance,
        max_balance: s.maxBalance,
        metadata: JSON.stringify(s.metadata),
        version: s.version,
        created_at: s.createdAt,
        updated_at: s.updatedAt,
      })),
    )
    .onConflict('id')
    .merge();
}

/** The lowest parked items of each account, at most `perAccountMax` each, parsed back into items. */
export async function loadPending(
  trx: Knex.Transaction,
  schema: string,
  ids: readonly string[],
  perAccountMax: number,
): Promise<Map<string, AccountStreamItem[]>> {
  const result = await trx.raw<{ rows: { account_id: string; item: unknown }[] }>(
    `select account_id, item from (
       select account_id, item, row_number() over (partition by account_id order by version, slot) as n
         from ?? where account_id = any(?::uuid[])) p
     where n <= ? order by account_id, n`,
    [tableOf(schema, 'pending_events'), pgArray(ids), perAccountMax],
  );
  const byAccount = new Map<string, AccountStreamItem[]>();
  for (const row of result.rows) {
    const list = byAccount.get(row.account_id) ?? [];
    list.push(AccountStreamItemSchema.parse(row.item));
    byAccount.set(row.account_id, list);
  }
  return byAccount;
}

export async function park(trx: Knex.Transaction, schema: string, items: readonly AccountStreamItem[]) {
  await insertIgnoringDuplicates(
    trx,
    tableOf(schema, 'pending_events'),
    items.map((i) => ({
      account_id: i.accountId,
      version: i.version,
      slot: i.slot,
      item: JSON.stringify(i),
    })),
    ['account_id', 'version', 'slot'],
  );
}

export async function unpark(trx: Knex.Transaction, schema: string, items: readonly AccountStreamItem[]) {
  const keys = items.map((i) => [i.accountId, i.version, i.slot]);
  for (let i = 0; i < keys.length; i += 500) {
    await trx(tableOf(schema, 'pending_events'))
      .whereIn(['account_id', 'version', 'slot'], keys.slice(i, i + 500))
      .delete();
  }
}

/** Writes the effects of applied items: history lines, holds, and the per-currency posting totals. */
export async function writeEffects(trx: Knex.Transaction, schema: string, effects: readonly AccountEffect[]) {
  const history: Record<string, unknown>[] = [];
  const opened: Record<string, unknown>[] = [];
  const totals = new Map<string, { scale: number; debits: bigint; credits: bigint }>();
  for (const e of effects) {
    if (e.kind === 'history') {
      const l = e.line;
      history.push({
        account_id: l.accountId,
        version: l.version,
        entry_id: l.entryId,
        transaction_id: l.transactionId,
        transaction_type: l.transactionType,
        step: l.step,
        side: l.side,
        amount: l.amount,
        balance_after: l.balanceAfter,
        reverses_entry_id: l.reversesEntryId,
        posted_at: l.postedAt,
      });
    } else if (e.kind === 'hold-opened') {
      opened.push({
        hold_id: e.holdId,
        account_id: e.accountId,
        transaction_id: e.transactionId,
        amount: e.amount,
        status: 'open',
        expires_at: e.expiresAt,
        placed_at: e.placedAt,
      });
    } else if (e.kind === 'posting-total') {
      const t = totals.get(e.currency) ?? { scale: e.scale, debits: 0n, credits: 0n };
      if (e.side === 'debit') t.debits += toMinor(e.amount, t.scale);
      else t.credits += toMinor(e.amount, t.scale);
      totals.set(e.currency, t);
    }
  }
  await insertIgnoringDuplicates(trx, tableOf(schema, 'account_history'), history, ['account_id', 'version']);
  await insertIgnoringDuplicates(trx, tableOf(schema, 'holds'), opened, ['hold_id']);
  // Closing after opening: a hold placed and released in one batch is inserted first, then closed.
  for (const e of effects) {
    if (e.kind !== 'hold-closed') continue;
    await trx(tableOf(schema, 'holds'))
      .where({ hold_id: e.holdId, status: 'open' })
      .update({ status: e.status, captured_amount: e.capturedAmount, closed_at: e.closedAt });
  }
  for (const [currency, t] of totals) {
    await trx(tableOf(schema, 'currency_totals'))
      .insert({
        currency,
        scale: t.scale,
        debits: formatMinorUnits(t.debits, t.scale),
        credits: formatMinorUnits(t.credits, t.scale),
      })
      .onConflict('currency')
      .merge({
        debits: trx.raw('currency_totals.debits + excluded.debits'),
        credits: trx.raw('currency_totals.credits + excluded.credits'),
      });
  }
}
