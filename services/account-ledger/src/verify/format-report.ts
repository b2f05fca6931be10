import type { VerifyReport } from './verify-ledger';

/**
 * The report as people read it in a terminal: one line per check, the violations of a failed check
 * indented under it, and a closing line with the size of what was checked, so that "all ok" on an empty
 * database is not mistaken for a healthy ledger.
 */
export function formatReport(report: VerifyReport): string {
  const lines: string[] = [];
  for (const check of report.checks) {
    if (check.ok) {
      lines.push(`ok  ${check.name}`);
      continue;
    }
    lines.push(`FAIL ${check.name}: ${check.violationCount} violations`);
    for (const violation of check.violations) lines.push(`     ${violation}`);
    const hidden = check.violationCount - check.violations.length;
    if (hidden > 0) lines.push(`     ... and ${hidden} more`);
  }
  const failed = report.checks.filter((c) => !c.ok).length;
  const { accounts, entries, postings, events } = report.counts;
  lines.push(
    `${report.checks.length - failed} of ${report.checks.length} checks passed, ${failed} failed; ` +
      `${accounts} accounts, ${entries} entries, ${postings} postings, ${events} events`,
  );
  return lines.join('\n');
}
