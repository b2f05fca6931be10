import type { Knex } from '@billing/platform/db';
import { delay } from '@billing/platform/wait';
import { tableOf } from '../read-model/schema';
import { pgArray } from '../shared/pg-array';
import { compareAccount, type Finding, type LedgerAccount, type ReadAccount } from './compare';

/** Accounts compared per round trip; memory stays bounded whatever the size of the ledger. */
const PAGE_SIZE = 2000;
/** Drift lines kept for the report; the count covers all of them. */
const DRIFTS_LISTED_MAX = 200;

export interface ReconcileReport {
  accounts: number;
  matching: number;
  /** Behind at the first look, and caught up (and then matching) after the settle time. */
  caughtUp: number;
  drifts: Extract<Finding, { kind: 'drift' }>[];
  driftCount: number;
}

async function ledgerPage(ledger: Knex, afterId: string | null): Promise<LedgerAccount[]> {
  const rows = await ledger('accounts as a')
    .join('currencies as c', 'c.code', 'a.currency')
    .modify((q) => {
      if (afterId !== null) q.where('a.id', '>', afterId);
    })
    .orderBy('a.id')
    .limit(PAGE_SIZE)
    .select<{ id: string; scale: number; balance: string; held: string; status: string; version: number }[]>(
      'a.id',
      'c.scale',
      'a.balance',
      'a.held',
      'a.status',
      'a.version',
    );
  return rows;
}

async function readAccounts(
  projection: Knex,
  schema: string,
  range: { after: string | null; upTo: string | null },
  ids?: string[],
) {
  const result = await projection.raw<{ rows: ReadAccount[] }>(
    `select a.id, a.balance, a.status, a.version,
            coalesce((select sum(h.amount) from ?? h where h.account_id = a.id and h.status = 'open'), 0)::text as held
       from ?? a
      where (?::uuid is null or a.id > ?::uuid) and (?::uuid is null or a.id <= ?::uuid)
        and (?::uuid[] is null or a.id = any(?::uuid[]))`,
    [
      tableOf(schema, 'holds'),
      tableOf(schema, 'accounts'),
      range.after,
      range.after,
      range.upTo,
      range.upTo,
      ids ? pgArray(ids) : null,
      ids ? pgArray(ids) : null,
    ],
  );
  return new Map(result.rows.map((r) => [r.id, r]));
}

/** The ledger's balance of each account right after the given version of its stream. */
async function ledgerBalancesAt(
  ledger: Knex,
  at: { id: string; version: number }[],
): Promise<Map<string, string>> {
  if (at.length === 0) return new Map();
  const result = await ledger.raw<{ rows: { id: string; balance: string | null }[] }>(
    `select w.id, (select p.balance_after from postings p
                    where p.account_id = w.id and p.stream_version <= w.version
                    order by p.stream_version desc limit 1)::text as balance
       from unnest(?::uuid[], ?::int[]) as w(id, version)`,
    [pgArray(at.map((a) => a.id)), `{${at.map((a) => a.version).join(',')}}`],
  );
  return new Map(result.rows.flatMap((r) => (r.balance === null ? [] : [[r.id, r.balance]])));
}

async function comparePage(
  ledger: Knex,
  page: LedgerAccount[],
  reads: Map<string, ReadAccount>,
): Promise<Finding[]> {
  const ledgerById = new Map(page.map((a) => [a.id, a]));
  const behind = [...reads.values()].filter((r) => (ledgerById.get(r.id)?.version ?? 0) > r.version);
  const balances = await ledgerBalancesAt(ledger, behind);
  const ids = new Set([...ledgerById.keys(), ...reads.keys()]);
  return [...ids]
    .sort()
    .map((id) => compareAccount(id, ledgerById.get(id), reads.get(id), balances.get(id) ?? null));
}

/**
 * Compares every account of the read model with the ledger. Accounts the read model has not caught up
 * with are looked at again after `settleMs`: still behind the version the ledger had at the first look
 * means the read model stopped applying that account's stream (a lost event), which is drift too.
 */
export async function reconcile(
  ledger: Knex,
  projection: Knex,
  schema: string,
  settleMs: number,
): Promise<ReconcileReport> {
  const report: ReconcileReport = { accounts: 0, matching: 0, caughtUp: 0, drifts: [], driftCount: 0 };
  const record = (f: Finding) => {
    if (f.kind === 'ok') report.matching += 1;
    if (f.kind !== 'drift') return;
    report.driftCount += 1;
    if (report.drifts.length < DRIFTS_LISTED_MAX) report.drifts.push(f);
  };
  const behind: { id: string; ledgerVersion: number }[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await ledgerPage(ledger, after);
    const last = page.at(-1);
    // The last page also takes read-model accounts above the ledger's highest id: unknown to the ledger.
    const reads = await readAccounts(projection, schema, {
      after,
      upTo: page.length === PAGE_SIZE && last ? last.id : null,
    });
    for (const f of await comparePage(ledger, page, reads)) {
      report.accounts += 1;
      if (f.kind === 'behind') behind.push({ id: f.accountId, ledgerVersion: f.ledgerVersion });
      else record(f);
    }
    if (page.length < PAGE_SIZE || !last) break;
    after = last.id;
  }
  if (behind.length > 0) await settle(ledger, projection, schema, settleMs, behind, record, report);
  return report;
}

async function settle(
  ledger: Knex,
  projection: Knex,
  schema: string,
  settleMs: number,
  behind: { id: string; ledgerVersion: number }[],
  record: (f: Finding) => void,
  report: ReconcileReport,
): Promise<void> {
  await delay(settleMs);
  for (let i = 0; i < behind.length; i += PAGE_SIZE) {
    const chunk = behind.slice(i, i + PAGE_SIZE);
    const ids = chunk.map((b) => b.id);
    const ledgerNow = await ledger('accounts as a')
      .join('currencies as c', 'c.code', 'a.currency')
      .whereIn('a.id', ids)
      .select<LedgerAccount[]>('a.id', 'c.scale', 'a.balance', 'a.held', 'a.status', 'a.version');
    const reads = await readAccounts(projection, schema, { after: null, upTo: null }, ids);
    const findings = await comparePage(ledger, ledgerNow, reads);
    for (const f of findings) {
      const target = chunk.find((b) => b.id === f.accountId)!.ledgerVersion;
      const readVersion = reads.get(f.accountId)?.version ?? 0;
      if (f.kind === 'behind' && readVersion < target) {
        record({
          kind: 'drift',
          accountId: f.accountId,
          field: 'version',
          ledger: String(target),
          readModel: String(readVersion),
          version: readVersion,
        });
      } else if (f.kind === 'drift') record(f);
      else {
        report.caughtUp += 1;
        if (f.kind === 'ok') report.matching += 1;
      }
    }
  }
}
