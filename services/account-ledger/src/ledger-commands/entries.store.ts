import { toMinor } from '@billing/contracts/money';
import type { Knex } from '@billing/platform/db';
import type { CurrencyCatalog } from '../accounts/account';
import type { OriginalEntry } from '../reverse-entry/reverse-entry.decide';

/** The entry already posted for a (transaction, step), if any: a command naming it again is a replay. */
export async function findEntryByStep(
  trx: Knex.Transaction,
  transactionId: string,
  step: string,
): Promise<{ id: string; event_message_id: string } | undefined> {
  return trx('journal_entries')
    .where({ transaction_id: transactionId, step })
    .first('id', 'event_message_id');
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
