import type { ReconcileReport } from './reconcile';

/** One line per drift, then a closing count, so "no drift" on an empty database is not mistaken for health. */
export function formatReconcileReport(report: ReconcileReport): string {
  const lines = report.drifts.map(
    (d) =>
      `DRIFT ${d.accountId} ${d.field}: ledger ${d.ledger}, read model ${d.readModel} (read-model version ${d.version})`,
  );
  const hidden = report.driftCount - report.drifts.length;
  if (hidden > 0) lines.push(`... and ${hidden} more`);
  lines.push(
    `${report.driftCount === 0 ? 'ok' : 'FAIL'} ${report.accounts} accounts compared: ${report.matching} match, ` +
      `${report.caughtUp} caught up while checked, ${report.driftCount} drifted`,
  );
  return lines.join('\n');
}
