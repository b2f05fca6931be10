import { testEnv } from '@billing/testing/env';
import { waitFor } from '@billing/testing/wait';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, dropDatabase, ensureDatabase, runStatement, statement, type Knex } from './db';

/**
 * A named prepared statement keeps the generic plan its connection made after five runs. Made while the
 * table was nearly empty, that plan reads the whole table for a lookup by key however large the table
 * grows (until an ANALYZE or VACUUM of it, which a server without autovacuum never runs). Pooled
 * connections are therefore replaced after a while, and the replacement plans against the table as it
 * is. Real PostgreSQL.
 */
const TABLES = ['plans_kept', 'plans_replaced'] as const;
type Table = (typeof TABLES)[number];
const LOOKUP = Object.fromEntries(
  // The shape of a batch's lookup by a composite key: pairs as two arrays unnested side by side.
  TABLES.map((t) => [
    t,
    statement(
      `${t}_lookup`,
      `select id from ${t} where (id, step) in (select * from unnest($1::uuid[], $2::text[]))`,
    ),
  ]),
) as Record<Table, ReturnType<typeof statement>>;

let databaseUrl: string;
const pools: Knex[] = [];

function pool(connectionLifetimeMs: number): Knex {
  const knex = createDatabase({
    url: databaseUrl,
    poolMax: 1,
    applicationName: 'plans-test',
    connectionLifetimeMs,
  });
  pools.push(knex);
  return knex;
}

beforeAll(async () => {
  const url = new URL(testEnv().databaseUrl);
  url.pathname = `/platform_plans_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  databaseUrl = url.toString();
  await ensureDatabase(databaseUrl);
  const setup = pool(0);
  for (const t of TABLES) {
    await setup.raw(
      `create table ${t} (id uuid not null, step text not null, filler text not null, primary key (id, step))`,
    );
    // Never analyzed nor vacuumed, as on a server without autovacuum: the planner sees only its size.
    await setup.raw(`alter table ${t} set (autovacuum_enabled = false)`);
  }
});

afterAll(async () => {
  for (const p of pools) await p.destroy();
  await dropDatabase(databaseUrl);
});

/** Runs the lookup as a connection of `knex` does in batches, often enough to settle on a generic plan. */
async function planOf(knex: Knex, table: Table, ids: string[]): Promise<{ backend: number; plan: string }> {
  return knex.transaction(async (trx) => {
    const steps = ids.map(() => 'post');
    for (let i = 0; i < 8; i++) await runStatement(trx, LOOKUP[table], [ids, steps]);
    const backend = (await trx.raw<{ rows: { pid: number }[] }>('select pg_backend_pid() as pid')).rows[0]!
      .pid;
    const explained = await trx.raw<{ rows: { 'QUERY PLAN': string }[] }>(
      `explain (costs off) execute ${LOOKUP[table].name}('{${ids.join(',')}}'::uuid[], '{${steps.join(',')}}'::text[])`,
    );
    return { backend, plan: explained.rows.map((r) => r['QUERY PLAN']).join('\n') };
  });
}

/** Grows the table by 20,000 rows and returns 20 of its ids. */
async function grow(table: Table): Promise<string[]> {
  const setup = pools[0]!;
  await setup.raw(
    `insert into ${table} (id, step, filler) select gen_random_uuid(), 'post', repeat('x', 200) from generate_series(1, 20000)`,
  );
  return (await setup.raw<{ rows: { id: string }[] }>(`select id from ${table} limit 20`)).rows.map(
    (r) => r.id,
  );
}

describe('prepared statements on a growing table', () => {
  it('keep a whole-table plan made while the table was small for as long as their connection lives', async () => {
    const kept = pool(0);
    const early = await planOf(kept, 'plans_kept', [randomUUID(), randomUUID()]);
    expect(early.plan).toMatch(/Seq Scan on plans_kept/);
    const ids = await grow('plans_kept');
    const later = await planOf(kept, 'plans_kept', ids);
    expect(later.backend).toBe(early.backend);
    expect(later.plan).toMatch(/Seq Scan on plans_kept/);
  });

  it('are planned again on a replaced connection, which then looks rows up by their key', async () => {
    const replaced = pool(300);
    const early = await planOf(replaced, 'plans_replaced', [randomUUID(), randomUUID()]);
    expect(early.plan).toMatch(/Seq Scan on plans_replaced/);
    const ids = await grow('plans_replaced');
    // The pool replaces the connection when it is next taken after its lifetime (300 to 600 ms) is over.
    const later = await waitFor(
      'a replaced connection',
      async () => {
        const p = await planOf(replaced, 'plans_replaced', ids);
        return p.backend !== early.backend ? p : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(later.plan).toMatch(/Index (Only )?Scan|Bitmap Index Scan/);
    expect(later.plan).not.toMatch(/Seq Scan/);
  });
});
