import type { Knex } from '@billing/platform/db';
import { tableOf, type ReadModelTable } from './schema';

/**
 * What a digest covers per table: the columns that events determine, in a fixed order. Wall-clock
 * columns (when a row was parked or applied) and the consumer positions are left out: a rebuild reaches
 * the same state at another time and from other offsets.
 */
const DIGESTED: Record<Exclude<ReadModelTable, 'positions'>, { columns: string; orderBy: string }> = {
  accounts: { columns: '*', orderBy: 'id' },
  holds: { columns: '*', orderBy: 'hold_id' },
  pending_events: { columns: 'account_id, version, slot, item', orderBy: 'account_id, version, slot' },
  account_history: { columns: '*', orderBy: 'account_id, version' },
  transactions: { columns: '*', orderBy: 'transaction_id' },
  account_transactions: { columns: '*', orderBy: 'account_id, created_at, transaction_id' },
  currencies: { columns: '*', orderBy: 'code' },
  currency_totals: { columns: '*', orderBy: 'currency' },
  transaction_investigations: { columns: '*', orderBy: 'transaction_id' },
  transaction_operator_actions: { columns: '*', orderBy: 'transaction_id, hlc' },
  transaction_provider_steps: { columns: '*', orderBy: 'transaction_id, hlc' },
};

export interface ReadModelDigest {
  /** md5 over every table's digest: equal digests, equal read models. */
  digest: string;
  tables: Record<string, { rows: number; md5: string }>;
}

/** A content hash of every read-model table in `schema`; the rebuild prints it and the tests compare it. */
export async function readModelDigest(knex: Knex, schema: string): Promise<ReadModelDigest> {
  const tables: ReadModelDigest['tables'] = {};
  for (const [table, { columns, orderBy }] of Object.entries(DIGESTED)) {
    // Column lists and orderings are the constants above, never input.
    const result = await knex.raw<{ rows: { rows: string; md5: string }[] }>(
      `select count(*) as rows, md5(coalesce(string_agg(r::text, E'\\n' order by ${orderBy}), '')) as md5
         from (select ${columns} from ??) r`,
      [tableOf(schema, table as ReadModelTable)],
    );
    const row = result.rows[0]!;
    tables[table] = { rows: Number(row.rows), md5: row.md5 };
  }
  const all = Object.entries(tables)
    .map(([name, t]) => `${name}:${t.rows}:${t.md5}`)
    .join('\n');
  const combined = await knex.raw<{ rows: { md5: string }[] }>('select md5(?) as md5', [all]);
  return { digest: combined.rows[0]!.md5, tables };
}
