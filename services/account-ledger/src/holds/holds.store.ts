import { formatMinorUnits, toMinor } from '@billing/contracts/money';
import type { Knex } from '@billing/platform/db';
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

/** Locks holds in id order; batches and the expiry sweep both lock holds before accounts. */
export async function lockHolds(
  trx: Knex.Transaction,
  ids: readonly string[],
  currencies: CurrencyCatalog,
): Promise<Map<string, StoredHold>> {
  const sorted = [...new Set(ids)].sort();
  if (sorted.length === 0) return new Map();
  const rows: HoldRow[] = await trx('holds').whereIn('id', sorted).orderBy('id').forUpdate().select('*');
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

export async function insertHold(
  trx: Knex.Transaction,
  hold: Hold,
  scale: number,
  placedEventId: string,
  nowIso: string,
): Promise<void> {
  await trx('holds').insert({
    id: hold.id,
    account_id: hold.accountId,
    transaction_id: hold.transactionId,
    transaction_type: hold.transactionType,
    currency: hold.currency,
    amount: formatMinorUnits(hold.amountMinor, scale),
    captured: formatMinorUnits(hold.capturedMinor, scale),
    status: hold.status,
    expires_at: hold.expiresAt,
    credit_account_id: hold.creditAccountId,
    placed_event_id: placedEventId,
    created_at: nowIso,
  });
}

export async function closeHold(
  trx: Knex.Transaction,
  hold: Hold,
  scale: number,
  closedEventId: string,
  nowIso: string,
): Promise<void> {
  await trx('holds')
    .where({ id: hold.id, status: 'open' })
    .update({
      status: hold.status,
      captured: formatMinorUnits(hold.capturedMinor, scale),
      entry_id: hold.entryId,
      closed_event_id: closedEventId,
      closed_at: nowIso,
      capture_requested_at: hold.captureRequestedAt,
    });
}

/** Records the first request to capture an open hold; a later request keeps the first time. */
export async function markCaptureRequested(trx: Knex.Transaction, hold: Hold): Promise<void> {
  await trx('holds')
    .where({ id: hold.id, status: 'open' })
    .whereNull('capture_requested_at')
    .update({ capture_requested_at: hold.captureRequestedAt });
}
