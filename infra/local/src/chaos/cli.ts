import { parseArgs } from 'node:util';
import path from 'node:path';
import { REPO_ROOT } from '../services';
import { parseFaults } from './faults';
import { formatSummary, runChaos } from './run';

/**
 * `npm run chaos -- --runs 10`: fault runs against a system of its own (docs/reliability.md). Exits 1 on
 * any violation, 2 when the run could not be carried out.
 */
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '20' },
    faults: { type: 'string', default: '2' },
    workers: { type: 'string', default: '4' },
    'settle-seconds': { type: 'string', default: '120' },
    'max-minutes': { type: 'string', default: '60' },
    /** Comma-separated fault names to take in turn instead of the full cycle, e.g. pause:account-ledger. */
    only: { type: 'string' },
  },
});

const bounded = (value: string | undefined, min: number, max: number, name: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`--${name} must be an integer in ${min}..${max}`);
  return n;
};

async function main(): Promise<void> {
  const summary = await runChaos({
    runs: bounded(values.runs, 1, 1000, 'runs'),
    trafficSeconds: bounded(values.seconds, 5, 300, 'seconds'),
    faultsPerRun: bounded(values.faults, 1, 10, 'faults'),
    workers: bounded(values.workers, 1, 32, 'workers'),
    settleSeconds: bounded(values['settle-seconds'], 10, 600, 'settle-seconds'),
    databaseServerUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    label: `${process.pid}`,
    log: (line) => console.log(line),
    ...(values.only ? { cycle: parseFaults(values.only) } : {}),
    logDir: path.join(REPO_ROOT, '.local', 'chaos'),
    maxMinutes: bounded(values['max-minutes'], 1, 24 * 60, 'max-minutes'),
  });
  console.log(formatSummary(summary));
  process.exitCode = summary.violations === 0 ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error('chaos failed:', err);
  process.exit(2);
});
