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
      trafficSeconds: 12,
      faultsPerRun: 2,
      workers: 3,
      settleSeconds: 90,
      databaseServerUrl: testEnv().databaseUrl,
      label: `e2e-${process.pid}`,
      log: (line) => lines.push(line),
      // Every kind of fault once: kills, a pause past the session timeout, PostgreSQL backends, the broker.
      cycle: parseFaults(
        'kill:account-ledger,pause:saga-orchestrator,pg-terminate,kill:projection-query,kill:command-gateway,broker-restart',
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
