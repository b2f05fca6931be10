import { toMinor } from '@billing/contracts/money';
import { runStatement, statement, type Knex } from '@billing/platform/db';
import type { CurrencyCatalog } from '../accounts/account';
import type { OriginalEntry } from '../reverse-entry/reverse-entry.decide';

export interface EntryByStep {
  id: string;
  event_message_id: string;
}

export const entryStepKey = (transactionId: string, step: string) => `${transactionId}\u0000${step}`;

// The pairs as two arrays unnested side by side: one text for any number of (transaction, step)s.
const ENTRIES_BY_STEPS = statement(
  'ledger_entries_by_steps',
  `select id, event_message_id, transaction_id, step from journal_entries
    where (transaction_id, step) in (select * from unnest($1::uuid[], $2::text[]))`,
);

/**
 * The entries already posted for these (transaction, step)s, in one statement: a command naming one
 * again is a replay, answered with the original EntryPosted.
 */
export async function loadEntriesBySteps(
  trx: Knex.Transaction,
  steps: readonly { transactionId: string; step: string }[],
): Promise<Map<string, EntryByStep>> {
  if (steps.length === 0) return new Map();
  const rows = await runStatement<EntryByStep & { transaction_id: string; step: string }>(
    trx,
    ENTRIES_BY_STEPS,
    [steps.map((s) => s.transactionId), steps.map((s) => s.step)],
  );
  return new Map(
    rows.map((r) => [
      entryStepKey(r.transaction_id, r.step),
      { id: r.id, event_message_id: r.event_message_id },
    ]),
  );
}

const ENTRIES = statement(
  'ledger_entries',
  `select id, currency, transaction_type from journal_entries where id = any($1::uuid[])`,
);

const REVERSALS = statement(
  'ledger_reversals',
  `select id, reverses_entry_id from journal_entries where reverses_entry_id = any($1::uuid[])`,
);

const ENTRY_POSTINGS = statement(
  'ledger_entry_postings',
  `select entry_id, account_id, side, amount from postings where entry_id = any($1::uuid[]) order by id`,
);

/** Entries to be reversed, with their postings (immutable, so read without locks). */
export async function loadEntries(
  trx: Knex.Transaction,
  ids: readonly string[],
  currencies: CurrencyCatalog,
): Promise<Map<string, OriginalEntry>> {
  if (ids.length === 0) return new Map();
  const entries = await runStatement<{
    id: string;
    currency: string;
    transaction_type: OriginalEntry['transactionType'];
  }>(trx, ENTRIES, [ids]);
  const reversals = await runStatement<{ id: string; reverses_entry_id: string }>(trx, REVERSALS, [ids]);
  const postings = await runStatement<{
    entry_id: string;
    account_id: string;
    side: 'debit' | 'credit';
    amount: string;
  }>(trx, ENTRY_POSTINGS, [ids]);
  return new Map(
    entries.map((e) => {
      const scale = currencies.get(e.currency)!.scale;
      return [
        e.id,
        {
          id: e.id,
          currency: e.currency,
          transactionType: e.transaction_type,
          reversedBy: reversals.find((r) => r.reverses_entry_id === e.id)?.id ?? null,
          postings: postings
            .filter((p) => p.entry_id === e.id)
            .map((p) => ({
              accountId: p.account_id,
              side: p.side,
              amountMinor: toMinor(p.amount, scale),
            })),
        },
      ];
    }),
  );
}
