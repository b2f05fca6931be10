import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../services';
import { formatSummary, runFuzz } from './run';
import type { Credential } from './world';

/**
 * `npm run fuzz -- --requests N`: fuzzes the running gateway (`npm start`) from its OpenAPI document and
 * exits non-zero on any violation. Owners' keys come as KEY=OWNER_ID (flags or FUZZ_OWNER_KEYS, comma
 * separated); the gateway must know them, e.g. `API_KEYS='[...]' npm start`. See docs/reliability.md.
 */
const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:3000' },
    requests: { type: 'string', default: '2000' },
    seed: { type: 'string' },
    'run-id': { type: 'string' },
    concurrency: { type: 'string', default: '8' },
    'max-seconds': { type: 'string', default: '600' },
    'admin-key': { type: 'string' },
    'owner-key': { type: 'string', multiple: true },
    'ledger-database-url': { type: 'string' },
    'skip-ledger-verify': { type: 'boolean', default: false },
    'strict-unavailable': { type: 'boolean', default: false },
  },
});

function bounded(name: string, value: string | undefined, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`--${name} must be an integer in ${min}..${max}`);
  return n;
}

function owners(): Credential[] {
  const specs = values['owner-key'] ?? (process.env.FUZZ_OWNER_KEYS ?? '').split(',').filter(Boolean);
  return specs.map((s) => {
    const at = s.lastIndexOf('=');
    if (at <= 0) throw new Error(`an owner key is KEY=OWNER_ID, not "${s}"`);
    const ownerId = s.slice(at + 1);
    return { name: ownerId, key: s.slice(0, at), ownerId };
  });
}

function verifier(url: string) {
  return () =>
    new Promise<{ exitCode: number | null; output: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [path.join(REPO_ROOT, 'services/account-ledger/dist/verify/verify.cli.js')],
        {
          env: { ...process.env, DATABASE_URL: url },
        },
      );
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.on('close', (exitCode) => resolve({ exitCode, output }));
    });
}

async function main(): Promise<void> {
  const seed =
    values.seed === undefined
      ? Math.floor(Math.random() * 2 ** 31)
      : bounded('seed', values.seed, 0, 2 ** 31);
  const ledgerUrl =
    values['ledger-database-url'] ??
    process.env.LEDGER_DATABASE_URL ??
    'postgres://postgres@127.0.0.1:5432/billing_ledger';
  const summary = await runFuzz({
    baseUrl: values.url!,
    admin: { name: 'admin', key: values['admin-key'] ?? process.env.FUZZ_ADMIN_KEY ?? 'dev-admin-key' },
    owners: owners(),
    requests: bounded('requests', values.requests, 1, 1_000_000),
    seed,
    concurrency: bounded('concurrency', values.concurrency, 1, 64),
    maxSeconds: bounded('max-seconds', values['max-seconds'], 1, 3600),
    strictUnavailable: values['strict-unavailable']!,
    ...(values['run-id'] ? { runId: values['run-id'] } : {}),
    ...(values['skip-ledger-verify'] ? {} : { verifyLedger: verifier(ledgerUrl) }),
    log: (line) => console.error(line),
  });
  console.log(formatSummary(summary));
  process.exitCode = summary.violationCount === 0 ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error('fuzz failed:', err instanceof Error ? err.message : err);
  process.exit(2);
});
