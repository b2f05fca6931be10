import { parseFaults } from '@billing/local-infra/chaos/faults';
import { formatRun, formatSummary, runChaos } from '@billing/local-infra/chaos/run';
import { testEnv } from '@billing/testing/env';
import { describe, expect, it } from 'vitest';

/**
 * A short `npm run chaos`: a broker of its own, the four services on it, and three fault runs while
 * transfers, payments, refunds and bill payments flow. Every run's checks (final states, trial
 * balance, ledger:verify, projections:reconcile, nothing posted twice) must find nothing.
 */
describe('npm run chaos, short', () => {
  it('finds no violation in three runs with faults', { timeout: 240_000 }, async () => {
    const lines: string[] = [];
    const summary = await runChaos({
      runs: 3,
      trafficSeconds: 8,
      faultsPerRun: 2,
      workers: 3,
      settleSeconds: 90,
      databaseServerUrl: testEnv().databaseUrl,
      label: `e2e-${process.pid}`,
      log: (line) => lines.push(line),
      // Kills of all four services, a pause past the session timeout and PostgreSQL backends terminated.
      // The broker restart costs most of a minute, so it is left to `npm run chaos` (docs/reliability.md).
      cycle: parseFaults(
        'kill:account-ledger,pause:saga-orchestrator,pg-terminate,kill:projection-query,kill:command-gateway,kill:saga-orchestrator',
      ),
    });
    const report = [...lines, formatSummary(summary)].join('\n');
    expect(
      summary.runs.map((r) => r.violations),
      report,
    ).toEqual([[], [], []]);
    expect(summary.faultsInjected, report).toBe(6);
    expect(summary.transactions, report).toBeGreaterThan(0);
    for (const r of summary.runs) expect(r.final, formatRun(r, 3)).toBe(r.accepted);
  });
});
