import type { Knex } from '@billing/platform/db';
import { LEDGER_CHECKS, type LedgerCheck } from './ledger-checks';

/** How many violations a check lists; the rest are only counted, so a badly broken ledger stays readable. */
export const VIOLATIONS_SHOWN = 20;

export interface CheckResult {
  name: string;
  ok: boolean;
  /** The first violations (at most VIOLATIONS_SHOWN), sorted so two runs over the same data agree. */
  violations: string[];
  /** All violations found, shown or not. */
  violationCount: number;
}

export interface LedgerCounts {
  accounts: number;
  entries: number;
  postings: number;
  events: number;
}

export interface VerifyReport {
  ok: boolean;
  checks: CheckResult[];
  counts: LedgerCounts;
}

/**
 * Runs one check. The window count is computed before the LIMIT, so a single query returns both the
 * first violations and how many there are in all.
 */
async function runCheck(db: Knex, check: LedgerCheck): Promise<CheckResult> {
  const { rows } = await db.raw<{ rows: { message: string; total: string }[] }>(
    `select message, count(*) over () as total
       from (${check.sql}) as violations
      order by message
      limit ${VIOLATIONS_SHOWN}`,
  );
  // A count of rows, not an amount: converting it to a number loses nothing below 2^53.
  const violationCount = rows.length === 0 ? 0 : Number(rows[0]!.total);
  return {
    name: check.name,
    ok: violationCount === 0,
    violations: rows.map((r) => r.message),
    violationCount,
  };
}

async function countRows(db: Knex): Promise<LedgerCounts> {
  const { rows } = await db.raw<{ rows: Record<keyof LedgerCounts, string>[] }>(
    `select (select count(*) from accounts) as accounts,
            (select count(*) from journal_entries) as entries,
            (select count(*) from postings) as postings,
            (select count(*) from events) as events`,
  );
  const row = rows[0]!;
  return {
    accounts: Number(row.accounts),
    entries: Number(row.entries),
    postings: Number(row.postings),
    events: Number(row.events),
  };
}

async function runAll(db: Knex): Promise<VerifyReport> {
  const checks: CheckResult[] = [];
  // One after another on the same connection: a transaction has only one, and the checks are scans
  // that would compete for the same disk anyway.
  for (const check of LEDGER_CHECKS) checks.push(await runCheck(db, check));
  const counts = await countRows(db);
  return { ok: checks.every((c) => c.ok), checks, counts };
}

/**
 * Checks the ledger's invariants and reports every violation found. On a live ledger the checks must all
 * see the same moment, or an entry committed between two of them would look like a corruption: so they
 * run in one REPEATABLE READ transaction (one snapshot), read-only since verifying must never write.
 * A caller that passes a transaction (a test looking at its own uncommitted rows) gets its snapshot.
 */
export async function verifyLedger(knex: Knex): Promise<VerifyReport> {
  if (knex.isTransaction) return runAll(knex);
  return knex.transaction((trx) => runAll(trx), { isolationLevel: 'repeatable read', readOnly: true });
}
