import type { Knex } from '@billing/platform/db';

/** Rows per INSERT statement: far below PostgreSQL's 65535 bind parameters for any of our tables. */
const ROWS_PER_STATEMENT_MAX = 500;

/** Inserts many rows in bounded statements; rows whose key exists already are left as they are. */
export async function insertIgnoringDuplicates(
  trx: Knex.Transaction,
  table: string,
  rows: readonly Record<string, unknown>[],
  conflictColumns: readonly string[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT_MAX) {
    await trx(table)
      .insert(rows.slice(i, i + ROWS_PER_STATEMENT_MAX))
      .onConflict([...conflictColumns])
      .ignore();
  }
}
