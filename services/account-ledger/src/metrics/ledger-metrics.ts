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

/**
 * Counts the ledger's outcomes from the events its relay published, so an entry is counted once it is
 * committed and announced, without instrumenting the handlers. Only the two event types are parsed.
 */
export function countLedgerOutcomes(rows: readonly PublishedRow[]): void {
  for (const row of rows) {
    if (row.type === 'EntryPosted') {
      const { data } = JSON.parse(row.payload) as { data: { transactionType: string } };
      postings.labels(data.transactionType).inc();
    } else if (row.type === 'CommandRejected') {
      const { data } = JSON.parse(row.payload) as { data: { code: string; commandType: string } };
      rejections.labels(data.code, data.commandType).inc();
    }
  }
}
