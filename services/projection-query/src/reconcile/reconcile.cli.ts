import { databaseEnv, parseConfig } from '@billing/platform/config';
import { createDatabase } from '@billing/platform/db';
import { z } from 'zod';
import { LIVE_SCHEMA } from '../read-model/schema';
import { formatReconcileReport } from './format';
import { reconcile } from './reconcile';

/**
 * `npm run projections:reconcile`: compares the read models' balances with the ledger's and prints any
 * drift. An operator's check, not part of the running system: it reads the ledger's database directly
 * (LEDGER_DATABASE_URL, read-only queries), which services never do. Exit codes: 0 no drift, 1 drift,
 * 2 the check could not run.
 */
const EXIT_OK = 0;
const EXIT_DRIFT = 1;
const EXIT_CANNOT_CHECK = 2;

const schema = z.object({
  DATABASE_URL: databaseEnv.DATABASE_URL,
  LEDGER_DATABASE_URL: databaseEnv.DATABASE_URL,
  /** How long accounts that lag behind the ledger get to catch up before lag counts as drift. */
  RECONCILE_SETTLE_MS: z.coerce.number().int().min(0).max(300_000).default(5000),
});

async function main(): Promise<number> {
  let config: z.output<typeof schema>;
  try {
    config = parseConfig(schema, process.env);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    return EXIT_CANNOT_CHECK;
  }
  const projection = createDatabase({
    url: config.DATABASE_URL,
    poolMax: 2,
    applicationName: 'projection-reconcile',
  });
  const ledger = createDatabase({
    url: config.LEDGER_DATABASE_URL,
    poolMax: 2,
    applicationName: 'projection-reconcile',
  });
  try {
    const report = await reconcile(ledger, projection, LIVE_SCHEMA, config.RECONCILE_SETTLE_MS);
    console.log(formatReconcileReport(report));
    return report.driftCount === 0 ? EXIT_OK : EXIT_DRIFT;
  } finally {
    await Promise.allSettled([projection.destroy(), ledger.destroy()]);
  }
}

// exitCode rather than exit(): the report on stdout is flushed before the process ends.
main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`reconciliation could not complete: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = EXIT_CANNOT_CHECK;
  },
);
