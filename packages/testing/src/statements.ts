import type { Knex } from '@billing/platform/db';
import { platformMetrics } from '@billing/platform/metrics';

/**
 * Statements this process has sent to PostgreSQL so far, built and prepared alike: the counter
 * (`db_client_statements_total`) that both the query builder's queries and `runStatement` advance.
 */
export async function statementsSent(): Promise<number> {
  const { values } = await platformMetrics.dbStatements.get();
  return values.reduce((n, v) => n + v.value, 0);
}

/** The SQL the query builder compiled while `run` ran (prepared statements do not pass through it). */
export async function builderQueriesDuring(knex: Knex, run: () => Promise<void>): Promise<string[]> {
  const queries: string[] = [];
  const onQuery = (q: { sql: string }) => void queries.push(q.sql);
  knex.on('query', onQuery);
  try {
    await run();
  } finally {
    knex.off('query', onQuery);
  }
  return queries;
}
