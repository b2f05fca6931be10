import { toMinor } from '@billing/contracts/money';
import type { Knex } from '@billing/platform/db';
import type { CurrencyCatalog } from '../accounts/account';
import type { OriginalEntry } from '../reverse-entry/reverse-entry.decide';

export interface EntryByStep {
  id: string;
  event_message_id: string;
}

export const entryStepKey = (transactionId: string, step: string) => `${transactionId}\u0000${step}`;

/**
 * The entries already posted for these (transaction, step)s, in one statement: a command naming one
 * again is a replay, answered with the original EntryPosted.
 */
export async function loadEntriesBySteps(
  trx: Knex.Transaction,
  steps: readonly { transactionId: string; step: string }[],
): Promise<Map<string, EntryByStep>> {
  if (steps.length === 0) return new Map();
  const rows: (EntryByStep & { transaction_id: string; step: string })[] = await trx('journal_entries')
    .whereIn(
      ['transaction_id', 'step'],
      steps.map((s) => [s.transactionId, s.step]),
    )
    .select('id', 'event_message_id', 'transaction_id', 'step');
  return new Map(
    rows.map((r) => [
      entryStepKey(r.transaction_id, r.step),
      { id: r.id, event_message_id: r.event_message_id },
    ]),
  );
}

/** Entries to be reversed, with their postings (immutable, so read without locks). */
export async function loadEntries(
  trx: Knex.Transaction,
  ids: readonly string[],
  currencies: CurrencyCatalog,
): Promise<Map<string, OriginalEntry>> {
  if (ids.length === 0) return new Map();
  const entries: { id: string; currency: string; transaction_type: OriginalEntry['transactionType'] }[] =
    await trx('journal_entries').whereIn('id', ids).select('id', 'currency', 'transaction_type');
  const reversals: { id: string; reverses_entry_id: string }[] = await trx('journal_entries')
    .whereIn('reverses_entry_id', ids)
    .select('id', 'reverses_entry_id');
  const postings: { entry_id: string; account_id: string; side: 'debit' | 'credit'; amount: string }[] =
    await trx('postings')
      .whereIn('entry_id', ids)
      .orderBy('id')
      .select('entry_id', 'account_id', 'side', 'amount');
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
