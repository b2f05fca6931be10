import { createDatabase, migrate, type Knex } from '@billing/platform/db';
import { testEnv } from '@billing/testing/env';
import { createTestDatabase } from '@billing/testing/infra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../migrations';
import { openAccount, postEntry, seedLedger } from './ledger-fixture.spec';
import { verifyLedger } from './verify-ledger';

/**
 * Corruptions the database refuses by itself, so the verifier's checks for them can only be exercised
 * with the triggers disabled (see verify-ledger.int.spec.ts). These tests pin down that the refusals are
 * really there: if a migration ever dropped one, the verifier would be the only line of defence left.
 */

let db: { url: string; drop(): Promise<void> };
let knex: Knex;

beforeAll(async () => {
  db = await createTestDatabase(testEnv().databaseUrl, 'verify_guards');
  knex = createDatabase({ url: db.url, poolMax: 4, applicationName: 'verify-guards-test' });
  await migrate(knex, migrations, 'knex_migrations');
});

afterAll(async () => {
  await knex?.destroy();
  await db?.drop();
});

describe('the ledger database refuses', () => {
  it('an unbalanced entry, at its insert, and keeps nothing of its transaction', async () => {
    await expect(
      knex.transaction(async (trx) => {
        const { external, user } = await seedLedger(trx);
        await postEntry(trx, {
          postings: [
            { accountId: external, side: 'debit', amount: '30.00' },
            { accountId: user, side: 'credit', amount: '20.00' },
          ],
        });
      }),
    ).rejects.toThrow(/does not balance/);
    const report = await verifyLedger(knex);
    expect(report.ok).toBe(true);
    expect(report.counts).toEqual({ accounts: 0, entries: 0, postings: 0, events: 0 });
  });

  it('a posting added later to a balanced entry, since the check counts all of the entry’s postings', async () => {
    const trx = await knex.transaction();
    try {
      const { user, entryId } = await seedLedger(trx);
      await expect(
        trx.transaction((sp) =>
          sp('postings').insert({
            entry_id: entryId,
            account_id: user,
            side: 'credit',
            amount: '5.00',
            balance_after: '5.00',
            stream_version: 99,
          }),
        ),
      ).rejects.toThrow(/does not balance/);
    } finally {
      await trx.rollback();
    }
  });

  it('an entry posting to an account of another currency than its own', async () => {
    const trx = await knex.transaction();
    try {
      const { external } = await seedLedger(trx);
      const euros = await openAccount(trx, { type: 'USER', currency: 'EUR' });
      await expect(
        trx.transaction((sp) =>
          postEntry(sp, {
            currency: 'USD',
            postings: [
              { accountId: external, side: 'debit', amount: '1.00' },
              { accountId: euros, side: 'credit', amount: '1.00' },
            ],
          }),
        ),
      ).rejects.toThrow(/posts to an account of another currency/);
    } finally {
      await trx.rollback();
    }
  });

  it('changing or deleting postings, journal entries and events', async () => {
    const trx = await knex.transaction();
    try {
      const { user, entryId } = await seedLedger(trx);
      const attempts: [string, (sp: Knex.Transaction) => Promise<unknown>][] = [
        ['postings', async (sp) => sp('postings').where({ account_id: user }).update({ amount: '1.00' })],
        ['postings', async (sp) => sp('postings').where({ account_id: user }).delete()],
        ['journal_entries', async (sp) => sp('journal_entries').where({ id: entryId }).update({ step: 'x' })],
        ['journal_entries', async (sp) => sp('journal_entries').where({ id: entryId }).delete()],
        ['events', async (sp) => sp('events').where({ stream_id: user }).update({ type: 'Other' })],
        ['events', async (sp) => sp('events').where({ stream_id: user }).delete()],
      ];
      // Each attempt in a savepoint of its own, so one refusal does not abort the others.
      for (const [table, attempt] of attempts) {
        await expect(trx.transaction(attempt)).rejects.toThrow(`${table} rows are immutable`);
      }
      expect((await verifyLedger(trx)).ok).toBe(true);
    } finally {
      await trx.rollback();
    }
  });
});

describe('the ledger schema', () => {
  it('has no two indexes over the same columns of a table, each one written for every row inserted', async () => {
    const { rows } = await knex.raw<{ rows: { table: string; index: string; key: string }[] }>(`
      select t.relname as table, i.relname as index,
             x.indkey::text || coalesce(' where ' || pg_get_expr(x.indpred, x.indrelid), '') as key
        from pg_index x
        join pg_class i on i.oid = x.indexrelid
        join pg_class t on t.oid = x.indrelid
        join pg_namespace n on n.oid = t.relnamespace
       where n.nspname = 'public'`);
    expect(rows.some((r) => r.table === 'postings')).toBe(true);
    const byKey = new Map<string, string[]>();
    for (const r of rows)
      byKey.set(`${r.table} (${r.key})`, [...(byKey.get(`${r.table} (${r.key})`) ?? []), r.index]);
    expect([...byKey].filter(([, indexes]) => indexes.length > 1)).toEqual([]);
  });
});

describe("the ledger's balance check", () => {
  it('looks up only the entries of the statement, however many the ledger held when it was planned', async () => {
    // Its own database and one connection that lives for the whole test: the check is planned there
    // while the ledger is empty, as on a fresh deployment, and keeps that plan.
    const own = await createTestDatabase(testEnv().databaseUrl, 'balance_check_plan');
    const db = createDatabase({
      url: own.url,
      poolMax: 1,
      applicationName: 'balance-check-plan',
      connectionLifetimeMs: 0,
    });
    try {
      await migrate(db, migrations, 'knex_migrations');
      const external = await openAccount(db, { type: 'EXTERNAL' });
      const user = await openAccount(db, { type: 'USER', minBalance: null });
      const BATCH = 20;
      // One statement per table for a batch, as the ledger writes them; versions are unique per account.
      const postBatch = (trx: Knex, n: number) =>
        trx.raw(
          `with entries as (
             insert into journal_entries (id, transaction_id, step, transaction_type, currency, command_id,
                                          event_message_id, actor, hlc, posted_at)
             select gen_random_uuid(), gen_random_uuid(), 'post', 'transfer', 'USD', gen_random_uuid(),
                    gen_random_uuid(), '{}'::jsonb, 'plan-test', now()
               from generate_series(1, ?)
             returning id
           ), numbered as (select id, row_number() over () as k from entries)
           insert into postings (entry_id, account_id, side, amount, balance_after, stream_version)
           select id, acct, side, 1.00, 0, 10 + ? * 1000 + k::int
             from numbered cross join (values (?::uuid, 'debit'), (?::uuid, 'credit')) as s(acct, side)`,
          [BATCH, n, external, user],
        );
      const batches = 60;
      for (let n = 0; n < batches; n++) await db.transaction((trx) => postBatch(trx, n));
      // The backend's own counters, not yet flushed to the statistics system while its transaction runs
      // (they may still hold earlier transactions too, hence the difference).
      const rowsRead = async (trx: Knex) => {
        const { rows } = await trx.raw<{ rows: { table: string; reads: string }[] }>(
          `select relname as table, coalesce(idx_tup_fetch, 0) + coalesce(seq_tup_read, 0) as reads
             from pg_stat_xact_user_tables where relname in ('journal_entries', 'accounts')`,
        );
        return Object.fromEntries(rows.map((r) => [r.table, Number(r.reads)]));
      };
      // Accounts opened after the check was planned, as a growing ledger's are.
      for (let i = 0; i < 300; i++) await openAccount(db, { type: 'USER' });
      const reads = await db.transaction(async (trx) => {
        const before = await rowsRead(trx);
        await postBatch(trx, batches);
        const after = await rowsRead(trx);
        return {
          entries: after.journal_entries! - before.journal_entries!,
          accounts: after.accounts! - before.accounts!,
        };
      });
      const held = Number((await db('journal_entries').count<{ count: string }[]>())[0]!.count);
      expect(held).toBeGreaterThan(batches * BATCH);
      // Each posting's foreign keys and the check's lookups of its entry and its account: a handful of
      // reads per entry of the batch, where plans made on the empty ledger read every entry it held and
      // hashed every account for each entry.
      expect(reads.entries).toBeLessThanOrEqual(BATCH * 6);
      expect(reads.accounts).toBeLessThanOrEqual(BATCH * 6);
    } finally {
      await db.destroy();
      await own.drop();
    }
  });
});
