import { formatMinorUnits, toMinor, type CurrencyDefinition } from '@billing/contracts/money';
import { runStatement, statement, type Knex } from '@billing/platform/db';
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

const LOAD_CURRENCIES = statement('ledger_load_currencies', 'select code, scale, kind from currencies');

export async function loadCurrencies(db: Knex | Knex.Transaction): Promise<CurrencyCatalog> {
  const rows = await runStatement<CurrencyDefinition>(db, LOAD_CURRENCIES, []);
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

// The columns toAccount reads, named: a prepared `select *` would fail once a migration added a column.
const LOCK_ACCOUNTS = statement(
  'ledger_lock_accounts',
  `select id, owner_id, owner_type, type, currency, status, balance, held, min_balance, max_balance,
          metadata, version, created_at
     from accounts
    where id = any($1::uuid[])
    order by id
      for update`,
);

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
  const rows = await runStatement<AccountRow>(trx, LOCK_ACCOUNTS, [sorted]);
  return new Map(rows.map((r) => [r.id, toAccount(r, currencies)]));
}

const INSERT_ACCOUNT = statement(
  'ledger_insert_account',
  `insert into accounts (id, owner_id, owner_type, type, currency, status, balance, min_balance,
                         max_balance, metadata, version, created_at, updated_at)
   values ($1::uuid, $2::text, $3::text, $4::text, $5::text, $6::text, $7::numeric, $8::numeric,
           $9::numeric, $10::jsonb, $11::int, $12::timestamptz, $12::timestamptz)`,
);

export async function insertAccount(
  trx: Knex.Transaction,
  account: Account,
  currencies: CurrencyCatalog,
): Promise<void> {
  const scale = currencies.get(account.currency)!.scale;
  await runStatement(trx, INSERT_ACCOUNT, [
    account.id,
    account.ownerId,
    account.ownerType,
    account.type,
    account.currency,
    account.status,
    formatMinorUnits(account.balanceMinor, scale),
    account.minBalanceMinor === null ? null : formatMinorUnits(account.minBalanceMinor, scale),
    account.maxBalanceMinor === null ? null : formatMinorUnits(account.maxBalanceMinor, scale),
    JSON.stringify(account.metadata),
    account.version,
    account.createdAt,
  ]);
}

const SAVE_ACCOUNT = statement(
  'ledger_save_account',
  `update accounts
      set balance = $2::numeric, held = $3::numeric, status = $4::text, min_balance = $5::numeric,
          max_balance = $6::numeric, version = $7::int, updated_at = $8::timestamptz
    where id = $1::uuid`,
);

/** Writes an account's snapshot: balance, held funds, status, limits and stream version. */
export async function saveAccount(
  trx: Knex.Transaction,
  account: Account,
  scale: number,
  nowIso: string,
): Promise<void> {
  await runStatement(trx, SAVE_ACCOUNT, [
    account.id,
    formatMinorUnits(account.balanceMinor, scale),
    formatMinorUnits(account.heldMinor, scale),
    account.status,
    account.minBalanceMinor === null ? null : formatMinorUnits(account.minBalanceMinor, scale),
    account.maxBalanceMinor === null ? null : formatMinorUnits(account.maxBalanceMinor, scale),
    account.version,
    nowIso,
  ]);
}

const SAVE_ACCOUNTS = statement(
  'ledger_save_accounts',
  `update accounts as a
      set balance = v.balance, held = v.held, status = v.status, min_balance = v.min_balance,
          max_balance = v.max_balance, version = v.version, updated_at = $1::timestamptz
     from unnest($2::uuid[], $3::numeric[], $4::numeric[], $5::text[], $6::numeric[], $7::numeric[],
                 $8::int[]) as v(id, balance, held, status, min_balance, max_balance, version)
    where a.id = v.id`,
);

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
  await runStatement(trx, SAVE_ACCOUNTS, [
    nowIso,
    accounts.map(({ account }) => account.id),
    accounts.map(({ account, scale }) => formatMinorUnits(account.balanceMinor, scale)),
    accounts.map(({ account, scale }) => formatMinorUnits(account.heldMinor, scale)),
    accounts.map(({ account }) => account.status),
    accounts.map(({ account, scale }) =>
      account.minBalanceMinor === null ? null : formatMinorUnits(account.minBalanceMinor, scale),
    ),
    accounts.map(({ account, scale }) =>
      account.maxBalanceMinor === null ? null : formatMinorUnits(account.maxBalanceMinor, scale),
    ),
    accounts.map(({ account }) => account.version),
  ]);
}
