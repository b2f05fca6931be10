import { describe, expect, it } from 'vitest';
import { formatReport } from './format-report';
import type { VerifyReport } from './verify-ledger';

const counts = { accounts: 3, entries: 2, postings: 4, events: 7 };

describe('formatReport', () => {
  it('prints one line per check and a summary with the counts', () => {
    const report: VerifyReport = {
      ok: true,
      counts,
      checks: [
        { name: 'entries-balance', ok: true, violations: [], violationCount: 0 },
        { name: 'currency-sums-zero', ok: true, violations: [], violationCount: 0 },
      ],
    };
    expect(formatReport(report)).toBe(
      [
        'ok  entries-balance',
        'ok  currency-sums-zero',
        '2 of 2 checks passed, 0 failed; 3 accounts, 2 entries, 4 postings, 7 events',
      ].join('\n'),
    );
  });

  it('lists the violations shown under a failed check and says how many more there are', () => {
    const report: VerifyReport = {
      ok: false,
      counts,
      checks: [
        { name: 'entries-balance', ok: true, violations: [], violationCount: 0 },
        {
          name: 'limits-respected',
          ok: false,
          violations: ['account a: x', 'account b: y'],
          violationCount: 5,
        },
      ],
    };
    expect(formatReport(report).split('\n')).toEqual([
      'ok  entries-balance',
      'FAIL limits-respected: 5 violations',
      '     account a: x',
      '     account b: y',
      '     ... and 3 more',
      '1 of 2 checks passed, 1 failed; 3 accounts, 2 entries, 4 postings, 7 events',
    ]);
  });
});
