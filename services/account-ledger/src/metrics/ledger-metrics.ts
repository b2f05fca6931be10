import { counter } from '@billing/platform/metrics';
import type { PublishedRow } from '@billing/platform/outbox';

const postings = counter({
  name: 'ledger_postings_total',
  help: 'Journal entries posted, by transaction type.',
  labelNames: ['transaction_type'],
});
const rejections = counter({
  name: 'ledger_rejections_total',
  help: 'Commands the ledger refused, by error code and command type.',
  labelNames: ['code', 'command_type'],
});

const TRANSACTION_TYPE = '"transactionType":"';

/**
 * Counts the ledger's outcomes from the events its relay published, so an entry is counted once it is
 * committed and announced, without instrumenting the handlers. What it costs: postings are the hot
 * path, so their type is found by a string search in the payload (JSON.stringify writes the key exactly
 * so, and only EntryPosted's data has it), well under a microsecond; rejections are rare and parsed.
 */
export function countLedgerOutcomes(rows: readonly PublishedRow[]): void {
  const posted = new Map<string, number>();
  for (const row of rows) {
    if (row.type === 'EntryPosted') {
      const type = postedTransactionType(row.payload);
      posted.set(type, (posted.get(type) ?? 0) + 1);
    } else if (row.type === 'CommandRejected') {
      const { data } = JSON.parse(row.payload) as { data: { code: string; commandType: string } };
      rejections.labels(data.code, data.commandType).inc();
    }
  }
  for (const [type, n] of posted) postings.labels(type).inc(n);
}

export function postedTransactionType(payload: string): string {
  const at = payload.indexOf(TRANSACTION_TYPE);
  if (at === -1) return 'unknown';
  const start = at + TRANSACTION_TYPE.length;
  const end = payload.indexOf('"', start);
  return end === -1 ? 'unknown' : payload.slice(start, end);
}
