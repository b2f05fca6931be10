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
