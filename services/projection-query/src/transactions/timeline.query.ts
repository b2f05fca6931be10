import type { Actor } from '@billing/contracts/envelope';
import {
  TIMELINE_ENTRIES_MAX,
  TIMELINE_HOLDS_MAX,
  type TimelineProviderCall,
  type TimelineStep,
  type TransactionTimeline,
} from '@billing/contracts/messages/queries';
import {
  notFound,
  privileged,
  visibleTo,
  type QueryContext,
  type QueryFailure,
} from '../queries/query-context';
import { tableOf } from '../read-model/schema';
import { formatDecimal } from '@billing/contracts/money';
import type { TransactionRow } from './transaction-events.handler';

type Entry = TransactionTimeline['entries'][number];
type Hold = TransactionTimeline['holds'][number];
/** What an operator did (retried a step, flagged or cleared an investigation), from its event. */
export type OperatorStep = Pick<TimelineStep, 'at' | 'label' | 'note'> & {
  kind: 'step_retried' | 'investigation_flagged' | 'investigation_cleared';
  actor: Actor;
};

interface OperatorActionRow {
  kind: OperatorStep['kind'];
  label: string;
  note: string | null;
  actor: Actor;
  at: Date;
}

/** A provider attempt of the saga, from its event. */
export type ProviderStep = Pick<TimelineStep, 'at'> & { provider: TimelineProviderCall };

interface ProviderStepRow {
  provider: string;
  operation: TimelineProviderCall['operation'];
  attempt: number;
  outcome: TimelineProviderCall['outcome'];
  code: TimelineProviderCall['code'];
  detail: string | null;
  provider_reference: string | null;
  at: Date;
}

const CLOSED_KIND: Record<string, TimelineStep['kind']> = {
  captured: 'hold_captured',
  released: 'hold_released',
  expired: 'hold_expired',
};

/**
 * The steps of a transaction in time order: created, each hold placed and closed, each provider attempt,
 * each posting, operators' actions and the final status. Steps at the same instant keep that order, so a hold placed by the entry that posted it
 * reads before the posting. Pure.
 */
export function timelineSteps(
  tx: { createdAt: string; finishedAt: string | null; status: string },
  entries: readonly Entry[],
  holds: readonly Hold[],
  actions: readonly OperatorStep[] = [],
  calls: readonly ProviderStep[] = [],
): TimelineStep[] {
  const step = (at: string, kind: TimelineStep['kind'], label: string, rest: Partial<TimelineStep> = {}) => ({
    at,
    kind,
    label,
    accountId: rest.accountId ?? null,
    amount: rest.amount ?? null,
    side: rest.side ?? null,
    actor: rest.actor ?? null,
    note: rest.note ?? null,
    provider: rest.provider ?? null,
  });
  const steps: TimelineStep[] = [step(tx.createdAt, 'created', 'created')];
  for (const h of holds) {
    steps.push(step(h.placedAt, 'hold_placed', 'hold placed', { accountId: h.accountId, amount: h.amount }));
    const kind = CLOSED_KIND[h.status];
    if (kind && h.closedAt !== null) {
      const amount = h.status === 'captured' ? (h.capturedAmount ?? h.amount) : h.amount;
      steps.push(step(h.closedAt, kind, `hold ${h.status}`, { accountId: h.accountId, amount }));
    }
  }
  // After the holds they run under: an answer at the instant its hold was placed still reads after it.
  for (const c of calls) {
    const { operation, attempt, outcome } = c.provider;
    steps.push(
      step(c.at, 'provider_step', `${operation} attempt ${attempt}: ${outcome}`, { provider: c.provider }),
    );
  }
  for (const e of entries) {
    steps.push(
      step(e.postedAt, 'posting', e.step, { accountId: e.accountId, amount: e.amount, side: e.side }),
    );
  }
  for (const a of actions) steps.push(step(a.at, a.kind, a.label, { actor: a.actor, note: a.note }));
  if (tx.finishedAt !== null) steps.push(step(tx.finishedAt, 'finished', tx.status));
  // A stable sort: equal instants keep the order they were pushed in.
  return steps.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

interface HistoryRow {
  account_id: string;
  version: number;
  entry_id: string;
  step: string;
  side: 'debit' | 'credit';
  amount: string;
  balance_after: string;
  reverses_entry_id: string | null;
  posted_at: Date;
}

interface HoldRow {
  hold_id: string;
  account_id: string;
  amount: string;
  status: string;
  captured_amount: string | null;
  placed_at: Date;
  expires_at: Date;
  closed_at: Date | null;
}

/**
 * A transaction's timeline: its holds and the ledger postings it made, with their times, read by the
 * transaction_id indexes of account_history and holds. Visible to whom the transaction is visible.
 */
export async function getTransactionTimeline(
  ctx: QueryContext,
  actor: Actor,
  transactionId: string,
): Promise<TransactionTimeline | QueryFailure> {
  const tx = await ctx
    .trx(tableOf(ctx.schema, 'transactions'))
    .where({ transaction_id: transactionId })
    .first<TransactionRow | undefined>();
  if (!tx) return notFound('transaction', transactionId);
  const owners = await ctx
    .trx(tableOf(ctx.schema, 'accounts'))
    .whereIn('id', [tx.source_account_id, tx.destination_account_id])
    .pluck<string[]>('owner_id');
  if (!visibleTo(actor, owners)) return notFound('transaction', transactionId);
  const scaleRow = await ctx
    .trx(tableOf(ctx.schema, 'currencies'))
    .where({ code: tx.currency })
    .first<{ scale: number } | undefined>();
  const scale = scaleRow?.scale ?? 2;
  const history = await ctx
    .trx(tableOf(ctx.schema, 'account_history'))
    .where({ transaction_id: transactionId })
    .orderBy([{ column: 'posted_at' }, { column: 'account_id' }, { column: 'version' }])
    .limit(TIMELINE_ENTRIES_MAX)
    .select<HistoryRow[]>('*');
  const holdRows = await ctx
    .trx(tableOf(ctx.schema, 'holds'))
    .where({ transaction_id: transactionId })
    .orderBy('placed_at')
    .limit(TIMELINE_HOLDS_MAX)
    .select<HoldRow[]>('*');
  const entries: Entry[] = history.map((r) => ({
    accountId: r.account_id,
    version: r.version,
    entryId: r.entry_id,
    step: r.step,
    side: r.side,
    amount: formatDecimal(r.amount, scale),
    balanceAfter: formatDecimal(r.balance_after, scale),
    reversesEntryId: r.reverses_entry_id,
    postedAt: r.posted_at.toISOString(),
  }));
  const holds: Hold[] = holdRows.map((h) => ({
    holdId: h.hold_id,
    accountId: h.account_id,
    amount: formatDecimal(h.amount, scale),
    status: h.status,
    capturedAmount: h.captured_amount === null ? null : formatDecimal(h.captured_amount, scale),
    placedAt: h.placed_at.toISOString(),
    expiresAt: h.expires_at.toISOString(),
    closedAt: h.closed_at === null ? null : h.closed_at.toISOString(),
  }));
  const actionRows = await ctx
    .trx(tableOf(ctx.schema, 'transaction_operator_actions'))
    .where({ transaction_id: transactionId })
    .orderBy([{ column: 'at' }, { column: 'hlc' }])
    .limit(TIMELINE_ENTRIES_MAX)
    .select<OperatorActionRow[]>('kind', 'label', 'note', 'actor', 'at');
  const actions: OperatorStep[] = actionRows.map((a) => ({
    kind: a.kind,
    label: a.label,
    note: a.note,
    actor: a.actor,
    at: a.at.toISOString(),
  }));
  const callRows = await ctx
    .trx(tableOf(ctx.schema, 'transaction_provider_steps'))
    .where({ transaction_id: transactionId })
    .orderBy([{ column: 'at' }, { column: 'hlc' }])
    .limit(TIMELINE_ENTRIES_MAX)
    .select<ProviderStepRow[]>('*');
  const calls: ProviderStep[] = callRows.map((c) => ({
    at: c.at.toISOString(),
    provider: {
      name: c.provider,
      operation: c.operation,
      attempt: c.attempt,
      outcome: c.outcome,
      code: c.code,
      reference: c.provider_reference,
      // The provider's or the network's own wording may name internal hosts: admins only.
      detail: privileged(actor) ? c.detail : null,
    },
  }));
  const summary = {
    createdAt: tx.created_at.toISOString(),
    finishedAt: tx.finished_at === null ? null : tx.finished_at.toISOString(),
    status: tx.status,
  };
  return {
    transactionId,
    status: tx.status,
    steps: timelineSteps(summary, entries, holds, actions, calls),
    entries,
    holds,
  };
}
