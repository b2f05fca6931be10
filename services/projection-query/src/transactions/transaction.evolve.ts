import type { TransactionSummary } from '@billing/contracts/messages/transactions';

/** The transaction view: the latest summary its events carried, plus when it finished. */
export interface TransactionState {
  transactionId: string;
  type: TransactionSummary['type'];
  status: TransactionSummary['status'];
  amount: string;
  currency: string;
  sourceAccountId: string;
  destinationAccountId: string;
  idempotencyKey: string;
  reason: TransactionSummary['reason'];
  /** The payment a refund gives back, read from the summary whatever the transaction's type. */
  originalTransactionId: string | null;
  details: Record<string, string>;
  lastHlc: string;
  createdAt: string;
  updatedAt: string;
  /** When it reached its final status; null while pending or needing attention. */
  finishedAt: string | null;
}

/**
 * Completed, failed and reversed are final. Pending and needs_attention are not: a transaction that
 * needs attention (even one that was reversed before a provider's late success) is finished again only
 * by a later final event, which supersedes it like any newer event.
 */
export const FINAL_STATUSES: ReadonlySet<TransactionSummary['status']> = new Set([
  'completed',
  'failed',
  'reversed',
]);

/** Millisecond precision, as JavaScript dates have: keyset cursors round-trip it exactly. */
function instant(iso: string): string {
  return new Date(iso).toISOString();
}

/**
 * Folds one transaction event into the view, or returns null when it changes nothing. Each event carries
 * the whole summary, so the newest one wins. Events of one transaction share a key and arrive in order;
 * a republished older event (an outbox relay that resent a batch) has an older HLC and is ignored, so a
 * finished transaction never moves back to pending. Pure.
 */
export function evolveTransaction(
  current: TransactionState | null,
  summary: TransactionSummary,
  hlc: string,
): TransactionState | null {
  // HLC stamps are fixed-width, so string order is time order.
  if (current !== null && current.lastHlc >= hlc) return null;
  const finished = FINAL_STATUSES.has(summary.status);
  return {
    transactionId: summary.transactionId,
    type: summary.type,
    status: summary.status,
    amount: summary.amount,
    currency: summary.currency,
    sourceAccountId: summary.sourceAccountId,
    destinationAccountId: summary.destinationAccountId,
    idempotencyKey: summary.idempotencyKey,
    reason: summary.reason,
    originalTransactionId: summary.originalTransactionId ?? current?.originalTransactionId ?? null,
    details: summary.details,
    lastHlc: hlc,
    // The first event fixes when the transaction was created; later ones cannot move it in a listing.
    createdAt: current?.createdAt ?? instant(summary.createdAt),
    updatedAt: instant(summary.updatedAt),
    finishedAt: finished ? (current?.finishedAt ?? instant(summary.updatedAt)) : null,
  };
}
