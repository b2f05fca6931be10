import { spawn } from 'node:child_process';
import path from 'node:path';
import { createDatabase } from '@billing/platform/db';
import { REPO_ROOT } from '../services';
import type { Accepted, Gateway, Movement } from './traffic';

/** What one run's checks found; every entry of `violations` is one broken promise. */
export interface CheckReport {
  /** Movements that were unanswered during the run and got an answer here. */
  settledUnanswered: number;
  accepted: Accepted[];
  final: number;
  violations: string[];
}

const FINAL = new Set(['completed', 'failed', 'reversed']);

interface Summary {
  transactionId: string;
  status: string;
  amount: string;
  sourceAccountId: string | null;
}

/** Asks again, with the same key, for every movement the run left unanswered, until each is answered. */
export async function settleUnanswered(
  gateway: Gateway,
  unanswered: readonly Movement[],
  deadlineMs: number,
): Promise<{ accepted: Accepted[]; open: Movement[] }> {
  const accepted: Accepted[] = [];
  let open = [...unanswered];
  while (open.length > 0 && Date.now() < deadlineMs) {
    const next: Movement[] = [];
    for (const m of open) {
      const outcome = await gateway.attempt(m);
      if (outcome === 'unknown') next.push(m);
      else if (outcome !== 'refused') accepted.push(outcome);
    }
    open = next;
    if (open.length > 0) await new Promise((r) => setTimeout(r, 1000));
  }
  return { accepted, open };
}

/** Waits until every accepted transaction is final on the read side; returns the summaries it read. */
export async function awaitFinal(
  gateway: Gateway,
  accepted: readonly Accepted[],
  deadlineMs: number,
): Promise<{ final: Map<string, Summary>; open: Map<string, string> }> {
  const final = new Map<string, Summary>();
  const open = new Map<string, string>(accepted.map((a) => [a.id, 'unknown']));
  while (open.size > 0 && Date.now() < deadlineMs) {
    const ids = [...open.keys()];
    for (let i = 0; i < ids.length; i += 8) {
      await Promise.all(
        ids.slice(i, i + 8).map(async (id) => {
          const answer = await gateway.transaction(id);
          if (answer?.status !== 200) return open.set(id, `http ${answer?.status ?? 'no answer'}`);
          const summary = answer.body as unknown as Summary;
          if (FINAL.has(summary.status)) {
            final.set(id, summary);
            open.delete(id);
          } else open.set(id, summary.status);
        }),
      );
    }
    if (open.size > 0) await new Promise((r) => setTimeout(r, 1000));
  }
  return { final, open };
}

/** Every currency of the read side's trial balance nets to zero, read twice in a row to the same result. */
export async function trialBalanceViolations(gateway: Gateway, deadlineMs: number): Promise<string[]> {
  let last = '';
  for (;;) {
    const answer = await gateway.trialBalance();
    const currencies = (answer?.body.currencies ?? []) as { currency: string; net: string }[];
    const text = JSON.stringify(currencies);
    const unbalanced = currencies.filter((c) => !/^-?0(\.0+)?$/.test(c.net));
    if (answer?.status === 200 && unbalanced.length === 0 && text === last) return [];
    if (Date.now() > deadlineMs)
      return [
        `trial balance: ${answer ? `${answer.status} ${currencies.map((c) => `${c.currency} net ${c.net}`).join(', ')}` : 'no answer'}`,
      ];
    last = text;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * No transaction moved money twice: out of each final transaction's source account went exactly its
 * amount when it completed, and nothing when it failed or was reversed (a reversal nets to zero).
 */
export async function postedOnceViolations(
  ledgerDatabaseUrl: string,
  summaries: readonly Summary[],
): Promise<string[]> {
  const rows = summaries.filter((s) => s.sourceAccountId !== null);
  if (rows.length === 0) return [];
  const knex = createDatabase({ url: ledgerDatabaseUrl, poolMax: 1, applicationName: 'chaos-checks' });
  try {
    const array = (values: string[]) => `{${values.join(',')}}`;
    const { rows: wrong } = await knex.raw<{
      rows: { transaction_id: string; expected: string; moved: string }[];
    }>(
      `with expected(transaction_id, account_id, amount) as (
         select * from unnest(?::uuid[], ?::uuid[], ?::numeric[]))
       select x.transaction_id, x.amount::text as expected,
              coalesce(sum(case when p.side = 'debit' then p.amount else -p.amount end), 0)::text as moved
         from expected x
         left join journal_entries e on e.transaction_id = x.transaction_id
         left join postings p on p.entry_id = e.id and p.account_id = x.account_id
        group by x.transaction_id, x.amount
       having coalesce(sum(case when p.side = 'debit' then p.amount else -p.amount end), 0) <> x.amount`,
      [
        array(rows.map((s) => s.transactionId)),
        array(rows.map((s) => s.sourceAccountId!)),
        array(rows.map((s) => (s.status === 'completed' ? s.amount : '0'))),
      ],
    );
    return wrong.map(
      (w) => `transaction ${w.transaction_id} moved ${w.moved} out of its source, expected ${w.expected}`,
    );
  } finally {
    await knex.destroy();
  }
}

/** Runs one of the repo's operator CLIs (`ledger:verify`, `projections:reconcile`) and gives its verdict. */
export function runCli(
  script: string,
  env: Record<string, string>,
): Promise<{ ok: boolean; summary: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, script)], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => {
      const lines = output.trim().split('\n');
      resolve({ ok: code === 0, summary: `exit ${code}: ${lines.slice(-3).join(' / ').slice(0, 600)}` });
    });
  });
}
