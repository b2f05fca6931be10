import { formatMinorUnits, toMinor } from '@billing/contracts/money';
import { runStatement, statement, type Knex } from '@billing/platform/db';
import type { CurrencyCatalog } from '../accounts/account';
import type { Hold } from './hold';

interface HoldRow {
  id: string;
  account_id: string;
  transaction_id: string;
  transaction_type: Hold['transactionType'];
  currency: string;
  amount: string;
  captured: string;
  status: Hold['status'];
  expires_at: Date;
  entry_id: string | null;
  placed_event_id: string;
  closed_event_id: string | null;
  credit_account_id: string | null;
  capture_requested_at: Date | null;
}

export interface StoredHold extends Hold {
  placedEventId: string;
  closedEventId: string | null;
}

function toHold(row: HoldRow, currencies: CurrencyCatalog): StoredHold {
  const scale = currencies.get(row.currency)!.scale;
  return {
    id: row.id,
    accountId: row.account_id,
    transactionId: row.transaction_id,
    transactionType: row.transaction_type,
    currency: row.currency,
    amountMinor: toMinor(row.amount, scale),
    capturedMinor: toMinor(row.captured, scale),
    status: row.status,
    expiresAt: row.expires_at.toISOString(),
    entryId: row.entry_id,
    placedEventId: row.placed_event_id,
    closedEventId: row.closed_event_id,
    creditAccountId: row.credit_account_id,
    captureRequestedAt: row.capture_requested_at?.toISOString() ?? null,
  };
}

// The columns toHold reads, named: a prepared `select *` would fail once a migration added a column.
const LOCK_HOLDS = statement(
  'ledger_lock_holds',
  `select id, account_id, transaction_id, transaction_type, currency, amount, captured, status, expires_at,
          entry_id, placed_event_id, closed_event_id, credit_account_id, capture_requested_at
     from holds
    where id = any($1::uuid[])
    order by id
      for update`,
);

/** Locks holds in id order; batches and the expiry sweep both lock holds before accounts. */
export async function lockHolds(
  trx: Knex.Transaction,
  ids: readonly string[],
  currencies: CurrencyCatalog,
): Promise<Map<string, StoredHold>> {
  const sorted = [...new Set(ids)].sort();
  if (sorted.length === 0) return new Map();
  const rows = await runStatement<HoldRow>(trx, LOCK_HOLDS, [sorted]);
  return new Map(rows.map((r) => [r.id, toHold(r, currencies)]));
}

/**
 * Open holds past their expiry, locked; those another transaction holds are skipped for the next sweep.
 * A hold whose capture was requested is never due: the provider has paid, the money is not ours to free.
 */
export async function lockExpiredHolds(
  trx: Knex.Transaction,
  nowIso: string,
  limit: number,
  currencies: CurrencyCatalog,
): Promise<StoredHold[]> {
  const rows: HoldRow[] = await trx('holds')
    .where('status', 'open')
    .andWhere('expires_at', '<=', nowIso)
    .whereNull('capture_requested_at')
    .orderBy('id')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .select('*');
  return rows.map((r) => toHold(r, currencies));
}

const INSERT_HOLD = statement(
  'ledger_insert_hold',
  `insert into holds (id, account_id, transaction_id, transaction_type, currency, amount, captured, status,
                      expires_at, credit_account_id, placed_event_id, created_at)
   values ($1::uuid, $2::uuid, $3::uuid, $4::text, $5::text, $6::numeric, $7::numeric, $8::text,
           $9::timestamptz, $10::uuid, $11::uuid, $12::timestamptz)`,
);

export async function insertHold(
  trx: Knex.Transaction,
  hold: Hold,
  scale: number,
  placedEventId: string,
  nowIso: string,
): Promise<void> {
  await runStatement(trx, INSERT_HOLD, [
    hold.id,
    hold.accountId,
    hold.transactionId,
    hold.transactionType,
    hold.currency,
    formatMinorUnits(hold.amountMinor, scale),
    formatMinorUnits(hold.capturedMinor, scale),
    hold.status,
    hold.expiresAt,
    hold.creditAccountId,
    placedEventId,
    nowIso,
  ]);
}

const CLOSE_HOLD = statement(
  'ledger_close_hold',
  `update holds
      set status = $2::text, captured = $3::numeric, entry_id = $4::uuid, closed_event_id = $5::uuid,
          closed_at = $6::timestamptz, capture_requested_at = $7::timestamptz
    where id = $1::uuid and status = 'open'`,
);

export async function closeHold(
  trx: Knex.Transaction,
  hold: Hold,
  scale: number,
  closedEventId: string,
  nowIso: string,
): Promise<void> {
  await runStatement(trx, CLOSE_HOLD, [
    hold.id,
    hold.status,
    formatMinorUnits(hold.capturedMinor, scale),
    hold.entryId,
    closedEventId,
    nowIso,
    hold.captureRequestedAt,
  ]);
}

const MARK_CAPTURE_REQUESTED = statement(
  'ledger_mark_capture_requested',
  `update holds set capture_requested_at = $2::timestamptz
    where id = $1::uuid and status = 'open' and capture_requested_at is null`,
);

/** Records the first request to capture an open hold; a later request keeps the first time. */
export async function markCaptureRequested(trx: Knex.Transaction, hold: Hold): Promise<void> {
  await runStatement(trx, MARK_CAPTURE_REQUESTED, [hold.id, hold.captureRequestedAt]);
}
