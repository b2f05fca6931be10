import type { QueryRequest, TransactionActivity } from '@billing/contracts/messages/queries';
import { forbidden, privileged, type QueryContext, type QueryFailure } from '../queries/query-context';
import { tableOf } from '../read-model/schema';

const MINUTE_MS = 60_000;

type StatusCounts = Omit<TransactionActivity['perMinute'][number], 'minute' | 'created'>;
const EMPTY_COUNTS: StatusCounts = { completed: 0, failed: 0, reversed: 0, pending: 0, needsAttention: 0 };
const COUNT_OF_STATUS: Record<string, keyof StatusCounts> = {
  completed: 'completed',
  failed: 'failed',
  reversed: 'reversed',
  pending: 'pending',
  needs_attention: 'needsAttention',
};

/** The minute buckets of [from, to), each with the counts of its rows (missing minutes count zero). Pure. */
export function minuteBuckets(
  fromMs: number,
  toMs: number,
  rows: readonly { minute: Date; status: string; count: number }[],
): TransactionActivity['perMinute'] {
  const byMinute = new Map<number, TransactionActivity['perMinute'][number]>();
  for (let at = fromMs; at < toMs; at += MINUTE_MS) {
    byMinute.set(at, { minute: new Date(at).toISOString(), created: 0, ...EMPTY_COUNTS });
  }
  for (const row of rows) {
    const bucket = byMinute.get(row.minute.getTime());
    const key = COUNT_OF_STATUS[row.status];
    if (!bucket || !key) continue;
    bucket.created += row.count;
    bucket[key] += row.count;
  }
  return [...byMinute.values()];
}

/**
 * How busy the platform is and how it is doing: the transactions created in each of the last `minutes`
 * minutes by the status they have now, the latency of those that completed in the window, and the
 * pending, stuck and needs-attention counts over the whole ledger. Admins only. The status index serves
 * every statement, and the window is bounded by the contract, so the answer costs the same at any size.
 */
export async function getTransactionActivity(
  ctx: QueryContext,
  q: Extract<QueryRequest, { type: 'GetTransactionActivity' }>,
): Promise<TransactionActivity | QueryFailure> {
  if (!privileged(q.actor)) return forbidden('only an admin may read the transaction activity');
  const toMs = Math.floor(ctx.nowMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  const fromMs = toMs - q.minutes * MINUTE_MS;
  const from = new Date(fromMs).toISOString();
  const table = tableOf(ctx.schema, 'transactions');
  const rows = await ctx
    .trx(table)
    .whereIn('status', Object.keys(COUNT_OF_STATUS))
    .andWhere('created_at', '>=', from)
    .groupByRaw('1, 2')
    .select<{ minute: Date; status: string; count: number }[]>(
      ctx.trx.raw(`date_trunc('minute', created_at) as minute`),
      'status',
      ctx.trx.raw('count(*)::int as count'),
    );
  const latency = await ctx
    .trx(table)
    .where({ status: 'completed' })
    .andWhere('created_at', '>=', from)
    .andWhere('finished_at', '>=', from)
    .first<{ count: number; p50: number | null; p95: number | null; max: number | null }>(
      ctx.trx.raw('count(*)::int as count'),
      ctx.trx.raw(
        `round(percentile_cont(0.5) within group (order by extract(epoch from finished_at - created_at) * 1000))::int as p50`,
      ),
      ctx.trx.raw(
        `round(percentile_cont(0.95) within group (order by extract(epoch from finished_at - created_at) * 1000))::int as p95`,
      ),
      ctx.trx.raw('round(max(extract(epoch from finished_at - created_at) * 1000))::int as max'),
    );
  const stuckBefore = new Date(ctx.nowMs - ctx.stuckAfterMs).toISOString();
  const open = await ctx
    .trx(table)
    .whereIn('status', ['pending', 'needs_attention'])
    .first<{ pending: number; stuck: number; needs_attention: number }>(
      ctx.trx.raw(`count(*) filter (where status = 'pending')::int as pending`),
      ctx.trx.raw(`count(*) filter (where status = 'pending' and created_at < ?)::int as stuck`, [
        stuckBefore,
      ]),
      ctx.trx.raw(`count(*) filter (where status = 'needs_attention')::int as needs_attention`),
    );
  return {
    from,
    to: new Date(toMs).toISOString(),
    perMinute: minuteBuckets(fromMs, toMs, rows),
    latencyMs: {
      count: latency?.count ?? 0,
      p50: latency?.p50 ?? null,
      p95: latency?.p95 ?? null,
      max: latency?.max ?? null,
    },
    pending: open?.pending ?? 0,
    stuck: open?.stuck ?? 0,
    needsAttention: open?.needs_attention ?? 0,
    stuckAfterMs: ctx.stuckAfterMs,
  };
}
