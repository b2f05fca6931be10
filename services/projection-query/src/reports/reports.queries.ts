import type { Actor } from '@billing/contracts/envelope';
import { formatMinorUnits, toMinor, type CurrencyKind } from '@billing/contracts/money';
import type { TrialBalance } from '@billing/contracts/messages/queries';
import { forbidden, privileged, type QueryContext, type QueryFailure } from '../queries/query-context';
import { tableOf } from '../read-model/schema';

/**
 * Debits and credits of every posting applied so far, per currency. Every entry balances, so `net` is
 * zero once the read side has applied all postings of every entry; a non-zero net is an entry seen in
 * part (its other postings wait on their accounts' earlier events) or a fault worth reconciling.
 */
export async function getTrialBalance(ctx: QueryContext, actor: Actor): Promise<TrialBalance | QueryFailure> {
  if (!privileged(actor)) return forbidden('only an admin may read the trial balance');
  const rows = await ctx
    .trx(tableOf(ctx.schema, 'currency_totals'))
    .orderBy('currency')
    .select<{ currency: string; scale: number; debits: string; credits: string }[]>('*');
  return {
    currencies: rows.map((r) => {
      const debits = toMinor(r.debits, r.scale);
      const credits = toMinor(r.credits, r.scale);
      return {
        currency: r.currency,
        debits: formatMinorUnits(debits, r.scale),
        credits: formatMinorUnits(credits, r.scale),
        net: formatMinorUnits(debits - credits, r.scale),
      };
    }),
  };
}

/** The currencies the ledger knows: the seeded ones and those added since. */
export async function listCurrencies(ctx: QueryContext) {
  const rows = await ctx
    .trx(tableOf(ctx.schema, 'currencies'))
    .orderBy('code')
    .select<{ code: string; scale: number; kind: CurrencyKind }[]>('code', 'scale', 'kind');
  return { currencies: rows };
}
