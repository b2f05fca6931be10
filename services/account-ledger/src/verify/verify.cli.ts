import { databaseEnv, parseConfig } from '@billing/platform/config';
import { createDatabase, type Knex } from '@billing/platform/db';
import { z } from 'zod';
import { migrations } from '../migrations';
import { formatReport } from './format-report';
import { verifyLedger } from './verify-ledger';

/** Exit codes: 0 the ledger is consistent, 1 it has violations, 2 it could not be verified at all. */
const EXIT_OK = 0;
const EXIT_VIOLATIONS = 1;
const EXIT_CANNOT_VERIFY = 2;

// Only the database is needed: the verifier neither consumes nor publishes.
const schema = z.object({ DATABASE_URL: databaseEnv.DATABASE_URL });

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The URL as it may be printed: a password in it must not end up in a terminal or CI log. */
function redacted(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/**
 * Migrations the ledger knows but the database has not applied. The checks read the latest schema, so
 * an older database (a ledger not restarted since an upgrade) would fail with an obscure SQL error;
 * the verifier never migrates it itself, since verifying must not change what it verifies.
 */
async function missingMigrations(knex: Knex): Promise<string[]> {
  const known = Object.keys(migrations).sort();
  if (!(await knex.schema.hasTable('knex_migrations'))) return known;
  const applied = new Set(
    (await knex('knex_migrations').select<{ name: string }[]>('name')).map((r) => r.name),
  );
  return known.filter((name) => !applied.has(name));
}

/**
 * Knex prints its warnings with console.log, on stdout, where the report goes. They go to stderr instead,
 * except a failed connection attempt, which the verifier reports itself in one line without a stack.
 */
function warningsToStderr(knex: Knex): void {
  knex.client.logger.warn = (message: unknown) => {
    const text = String(message);
    if (!text.startsWith('Acquire connection error')) console.error(`knex: ${text}`);
  };
}

async function verify(url: string): Promise<number> {
  const knex = createDatabase({ url, poolMax: 2, applicationName: 'ledger-verify' });
  warningsToStderr(knex);
  try {
    try {
      await knex.raw('select 1');
    } catch (err) {
      console.error(`cannot connect to ${redacted(url)}: ${errorMessage(err)}`);
      return EXIT_CANNOT_VERIFY;
    }
    const missing = await missingMigrations(knex);
    if (missing.length > 0) {
      console.error(
        `${redacted(url)} is not a ledger database at the latest schema; missing migrations: ` +
          `${missing.join(', ')} (start the ledger once to apply them)`,
      );
      return EXIT_CANNOT_VERIFY;
    }
    const report = await verifyLedger(knex);
    console.log(formatReport(report));
    return report.ok ? EXIT_OK : EXIT_VIOLATIONS;
  } finally {
    await knex.destroy();
  }
}

async function main(): Promise<number> {
  let url: string;
  try {
    url = parseConfig(schema, process.env).DATABASE_URL;
  } catch (err) {
    console.error(errorMessage(err));
    return EXIT_CANNOT_VERIFY;
  }
  return verify(url);
}

// exitCode rather than exit(): the report on stdout is flushed before the process ends.
main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`verification could not complete: ${errorMessage(err)}`);
    process.exitCode = EXIT_CANNOT_VERIFY;
  },
);
