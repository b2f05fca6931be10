import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { platformMetrics } from './metrics';

export type { Knex };

// NUMERIC and BIGINT come back as strings: money and offsets must never pass through a JS number.
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => v);
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => v);

export interface DatabaseSettings {
  url: string;
  poolMax: number;
  applicationName: string;
  /** Longest any statement on these connections may run (PostgreSQL's statement_timeout); none if unset. */
  statementTimeoutMs?: number;
  /**
   * How long a connection serves before the pool replaces it, plus a random part up to as much again;
   * 0 keeps connections for good. Default 15 s.
   *
   * Each connection plans a named prepared statement once: after five runs PostgreSQL keeps a generic
   * plan, made with the table's size at that moment, for as long as the connection lives, unless an
   * ANALYZE or VACUUM of the table invalidates it. A plan made while a table was nearly empty scans it
   * whole, which stays cheap only as long as the table stays small: without autovacuum (or between its
   * rounds, a minute apart by default) a lookup by key then reads every row of a table that grows by
   * hundreds of rows a second. A replaced connection prepares its statements again against the table
   * as it is. Reconnecting costs a backend start and a few dozen prepares, once per connection per
   * lifetime.
   */
  connectionLifetimeMs?: number;
}

export const DEFAULT_CONNECTION_LIFETIME_MS = 15_000;

export function createDatabase(settings: DatabaseSettings): Knex {
  const knex = knexFactory({
    client: 'pg',
    connection: {
      connectionString: settings.url,
      application_name: settings.applicationName,
      ...(settings.statementTimeoutMs === undefined
        ? {}
        : { statement_timeout: settings.statementTimeoutMs }),
    },
    pool: { min: 0, max: settings.poolMax, ...lifetime(settings.connectionLifetimeMs) },
    acquireConnectionTimeout: 10_000,
  });
  knex.on('query', countStatement);
  return knex;
}

function lifetime(ms = DEFAULT_CONNECTION_LIFETIME_MS): Knex.PoolConfig {
  // Knex checks the age when a connection is taken from the pool; one inside a transaction stays.
  return ms > 0 ? { maxConnectionLifetimeMillis: ms, maxConnectionLifetimeJitterMillis: ms } : {};
}

const KEYWORD = /^\s*([a-z]+)/i;
const statementCounters = new Map<string, { inc(): void }>();

/**
 * Counts every statement by its first keyword (`db_client_statements_total`): each one is a round trip,
 * a socket write and a backend wake-up, so statements per message is the figure that says whether a
 * handler's work is set-based.
 */
function countStatement(query: { sql?: string }): void {
  countKind(KEYWORD.exec(query.sql ?? '')?.[1]?.toLowerCase() ?? 'other');
}

function countKind(kind: string): void {
  let c = statementCounters.get(kind);
  if (!c) statementCounters.set(kind, (c = platformMetrics.dbStatements.labels(kind)));
  c.inc();
}

/**
 * A statement whose text never changes, run by `runStatement` as a named prepared statement: PostgreSQL
 * parses and plans it once per connection and each later call sends only its values. Hot paths use these
 * instead of the query builder, whose per-call compiling (and the server's per-call parsing of the text
 * it produces) is a large share of a message's cost. Batches keep one text whatever their size by passing
 * arrays that the statement `unnest`s.
 */
export interface Statement {
  readonly name: string;
  readonly text: string;
  /** Its first keyword, for `db_client_statements_total`. */
  readonly kind: string;
}

const statementTexts = new Map<string, string>();

/** Declares a fixed statement; a name is one text for the whole process (a connection prepares it once). */
export function statement(name: string, text: string): Statement {
  const known = statementTexts.get(name);
  if (known !== undefined && known !== text) throw new Error(`statement "${name}" is declared twice`);
  statementTexts.set(name, text);
  return { name, text, kind: KEYWORD.exec(text)?.[1]?.toLowerCase() ?? 'other' };
}

interface PgConnection {
  query(config: { name: string; text: string; values: readonly unknown[] }): Promise<{ rows: unknown[] }>;
}

interface KnexConnections {
  acquireConnection(): Promise<PgConnection>;
  releaseConnection(connection: PgConnection): Promise<unknown>;
}

/**
 * Runs a fixed statement on the transaction's own connection (or, given the pool, on a connection taken
 * for this one statement) and returns its rows. It is part of the transaction like any builder query:
 * its failure rejects, and the transaction rolls back.
 */
export async function runStatement<Row>(
  db: Knex | Knex.Transaction,
  stmt: Statement,
  values: readonly unknown[],
): Promise<Row[]> {
  // A transaction's client hands out the connection the transaction holds and releases nothing.
  const client = db.client as unknown as KnexConnections;
  const connection = await client.acquireConnection();
  try {
    countKind(stmt.kind);
    const result = await connection.query({ name: stmt.name, text: stmt.text, values });
    return result.rows as Row[];
  } finally {
    await client.releaseConnection(connection);
  }
}

export interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * Migrations are plain objects in code rather than files found on disk, so the same list runs from the
 * compiled service and from the TypeScript sources under test. Names sort in the order they apply.
 */
export async function migrate(
  knex: Knex,
  migrations: Record<string, Migration>,
  tableName: string,
): Promise<void> {
  const names = Object.keys(migrations).sort();
  await knex.migrate.latest({
    tableName,
    migrationSource: {
      getMigrations: async () => names,
      getMigrationName: (name: string) => name,
      getMigration: async (name: string) => migrations[name]!,
    },
  });
}

/** True when the database answers a trivial query within the pool's acquire timeout. */
export async function databaseReachable(knex: Knex): Promise<boolean> {
  try {
    await knex.raw('select 1');
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates a database when it is missing. Connects to the server's maintenance database with the same
 * credentials; used by local provisioning and by tests that need a database of their own.
 */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`refusing unusual database name "${name}"`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) {
      try {
        await client.query(`create database "${name}"`);
      } catch (e) {
        // Another process may have created it between the check and the create.
        if ((e as { code?: string }).code !== '42P04') throw e;
      }
    }
  } finally {
    await client.end();
  }
}

export async function dropDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`drop database if exists "${name}" with (force)`);
  } finally {
    await client.end();
  }
}
