import { formatMinorUnits, toMinor, type CurrencyDefinition } from '@billing/contracts/money';
import type { Knex } from '@billing/platform/db';
import type { Account, CurrencyCatalog } from './account';

interface AccountRow {
  id: string;
  owner_id: string;
  owner_type: string;
  type: Account['type'];
  currency: string;
  status: Account['status'];
  balance: string;
  held: string;
  min_balance: string | null;
  max_balance: string | null;
  metadata: Record<string, string>;
  version: number;
  created_at: Date;
}

export async function loadCurrencies(db: Knex | Knex.Transaction): Promise<CurrencyCatalog> {
  const rows: CurrencyDefinition[] = await db('currencies').select('code', 'scale', 'kind');
  return new Map(rows.map((r) => [r.code, { code: r.code, scale: Number(r.scale), kind: r.kind }]));
}

function toAccount(row: AccountRow, currencies: CurrencyCatalog): Account {
  const scale = currencies.get(row.currency)?.scale ?? 0;
  return {
    id: row.id,
    ownerId: row.owner_id,
    ownerType: row.owner_type,
    type: row.type,
    currency: row.currency,
    status: row.status,
    balanceMinor: toMinor(row.balance, scale),
    heldMinor: toMinor(row.held, scale),
    minBalanceMinor: row.min_balance === null ? null : toMinor(row.min_balance, scale),
    maxBalanceMinor: row.max_balance === null ? null : toMinor(row.max_balance, scale),
    metadata: row.metadata,
    version: row.version,
    createdAt: row.created_at.toISOString(),
  };
}

/**
 * Locks the accounts in id order. Every batch takes its locks in the same order, so two batches touching
 * the same accounts queue behind each other instead of deadlocking.
 */
export async function lockAccounts(
  trx: Knex.Transaction,
  ids: readonly string[],
  currencies: CurrencyCatalog,
): Promise<Map<string, Account>> {
  const sorted = [...new Set(ids)].sort();
  if (sorted.length === 0) return new Map();
  const rows: AccountRow[] = await trx('accounts')
    .whereIn('id', sorted)
    .orderBy('id')
    .forUpdate()
    .select('*');
  return new Map(rows.map((r) => [r.id, toAccount(r, currencies)]));
}

export async function insertAccount(
  trx: Knex.Transaction,
  account: Account,
  currencies: CurrencyCatalog,
): Promise<void> {
  const scale = currencies.get(account.currency)!.scale;
  await trx('accounts').insert({
    id: account.id,
    owner_id: account.ownerId,
    owner_type: account.ownerType,
    type: account.type,
    currency: account.currency,
    status: account.status,
    balance: formatMinorUnits(account.balanceMinor, scale),
    min_balance: account.minBalanceMinor === null ? null : formatMinorUnits(account.minBalanceMinor, scale),
    max_balance: account.maxBalanceMinor === null ? null : formatMinorUnits(account.maxBalanceMinor, scale),
    metadata: JSON.stringify(account.metadata),
    version: account.version,
    created_at: account.createdAt,
    updated_at: account.createdAt,
  });
}

/** Writes an account's snapshot: balance, held funds, status, limits and stream version. */
export async function saveAccount(
  trx: Knex.Transaction,
  account: Account,
  scale: number,
  nowIso: string,
): Promise<void> {
  await trx('accounts')
    .where({ id: account.id })
    .update({
      balance: formatMinorUnits(account.balanceMinor, scale),
      held: formatMinorUnits(account.heldMinor, scale),
      status: account.status,
      min_balance: account.minBalanceMinor === null ? null : formatMinorUnits(account.minBalanceMinor, scale),
      max_balance: account.maxBalanceMinor === null ? null : formatMinorUnits(account.maxBalanceMinor, scale),
      version: account.version,
      updated_at: nowIso,
    });
}

/**
 * Writes the snapshots of every account a batch changed in one statement (the rows are locked already,
 * by lockAccounts): a batch then costs one account update, not one per account.
 */
export async function saveAccounts(
  trx: Knex.Transaction,
  accounts: readonly { account: Account; scale: number }[],
  nowIso: string,
): Promise<void> {
  if (accounts.length === 0) return;
  const rows = accounts.map(({ account, scale }) => ({
    id: account.id,
    balance: formatMinorUnits(account.balanceMinor, scale),
    held: formatMinorUnits(account.heldMinor, scale),
    status: account.status,
    min_balance: account.minBalanceMinor === null ? null : formatMinorUnits(account.minBalanceMinor, scale),
    max_balance: account.maxBalanceMinor === null ? null : formatMinorUnits(account.maxBalanceMinor, scale),
    version: account.version,
  }));
  await trx.raw(
    `update accounts as a
        set balance = v.balance, held = v.held, status = v.status, min_balance = v.min_balance,
            max_balance = v.max_balance, version = v.version, updated_at = ?
       from jsonb_to_recordset(?::jsonb) as v(id uuid, balance numeric, held numeric, status text,
                                               min_balance numeric, max_balance numeric, version int)
      where a.id = v.id`,
    [nowIso, JSON.stringify(rows)],
  );
}
