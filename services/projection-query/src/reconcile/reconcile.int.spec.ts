import { spawn } from 'node:child_process';
import path from 'node:path';
import { createDatabase, type Knex } from '@billing/platform/db';
import { testEnv } from '@billing/testing/env';
import { createTestDatabase } from '@billing/testing/infra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTopUpEntry, anAccountOpened } from '../../test/builders';
import { startProjection, type ProjectionHarness } from '../../test/harness';
import { LIVE_SCHEMA, tableOf } from '../read-model/schema';
import { reconcile } from './reconcile';

let h: ProjectionHarness;
let ledgerDb: { url: string; drop(): Promise<void> };
let ledger: Knex;
const bank = anAccountOpened({ type: 'EXTERNAL', ownerId: 'bank' });
const user = anAccountOpened({ ownerId: 'reconcile-user' });
const bankId = bank.data.accountId;
const userId = user.data.accountId;

/**
 * The columns of the ledger's database that reconciliation reads (services/account-ledger migrations),
 * created here so this test needs no ledger: accounts with their snapshot, currencies, postings.
 */
async function createLedgerTables(knex: Knex): Promise<void> {
  await knex.schema.createTable('currencies', (t) => {
    t.text('code').primary();
    t.smallint('scale').notNullable();
  });
  await knex.schema.createTable('accounts', (t) => {
    t.uuid('id').primary();
    t.text('currency').notNullable();
    t.specificType('balance', 'numeric').notNullable();
    t.specificType('held', 'numeric').notNullable();
    t.text('status').notNullable();
    t.integer('version').notNullable();
  });
  await knex.schema.createTable('postings', (t) => {
    t.uuid('account_id').notNullable();
    t.integer('stream_version').notNullable();
    t.specificType('balance_after', 'numeric').notNullable();
  });
  await knex('currencies').insert({ code: 'USD', scale: 2 });
}

/** Posts a top-up in the fake ledger and, unless told otherwise, publishes it to the projection. */
async function topUp(amount: number, total: number, version: number, publish = true) {
  const fmt = (n: number) => n.toFixed(2);
  await ledger('accounts')
    .where({ id: userId })
    .update({ balance: fmt(total), version });
  await ledger('accounts')
    .where({ id: bankId })
    .update({ balance: fmt(-total), version });
  await ledger('postings').insert([
    { account_id: userId, stream_version: version, balance_after: fmt(total) },
    { account_id: bankId, stream_version: version, balance_after: fmt(-total) },
  ]);
  const entry = aTopUpEntry(
    { id: bankId, balanceAfter: fmt(-total), version },
    { id: userId, balanceAfter: fmt(total), version },
    fmt(amount),
  );
  if (publish) await h.publish('ledgerEvents', bankId, entry);
  return entry;
}

function runCli(extraEnv: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [path.resolve(__dirname, '../../dist/reconcile/reconcile.cli.js')],
      {
        env: {
          PATH: process.env.PATH ?? '',
          DATABASE_URL: h.databaseUrl,
          LEDGER_DATABASE_URL: ledgerDb.url,
          ...extraEnv,
        },
      },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

beforeAll(async () => {
  h = await startProjection('reconcile');
  ledgerDb = await createTestDatabase(testEnv().databaseUrl, 'reconcile_ledger');
  ledger = createDatabase({ url: ledgerDb.url, poolMax: 2, applicationName: 'reconcile-test' });
  await createLedgerTables(ledger);
  await ledger('accounts').insert([
    { id: bankId, currency: 'USD', balance: '0.00', held: '0', status: 'active', version: 1 },
    { id: userId, currency: 'USD', balance: '0.00', held: '0', status: 'active', version: 1 },
  ]);
  await h.publish('ledgerEvents', bankId, bank);
  await h.publish('ledgerEvents', userId, user);
  await topUp(10, 10, 2);
  await h.caughtUp();
});

afterAll(async () => {
  await ledger?.destroy();
  await ledgerDb?.drop();
  await h?.stop();
});

describe('reconciling read-model balances with the ledger', () => {
  it('finds no drift when the read model agrees with the ledger, and exits 0', async () => {
    const report = await reconcile(ledger, h.projection.worker.knex, LIVE_SCHEMA, 0);
    expect(report).toMatchObject({ accounts: 2, matching: 2, driftCount: 0 });
    const cli = await runCli({ RECONCILE_SETTLE_MS: '0' });
    expect(cli.output).toContain('ok 2 accounts compared');
    expect(cli.code).toBe(0);
  });

  it('does not take lag for drift: an account behind the ledger that catches up while checked is fine', async () => {
    const entry = await topUp(5, 15, 3, false);
    const checking = reconcile(ledger, h.projection.worker.knex, LIVE_SCHEMA, 2000);
    await h.publish('ledgerEvents', bankId, entry);
    const report = await checking;
    expect(report).toMatchObject({ driftCount: 0, caughtUp: 2 });
  });

  it('reports an account that stays behind the ledger: an event never applied', async () => {
    await topUp(1, 16, 4, false);
    const report = await reconcile(ledger, h.projection.worker.knex, LIVE_SCHEMA, 100);
    expect(report.drifts).toContainEqual(
      expect.objectContaining({ accountId: userId, field: 'version', ledger: '4', readModel: '3' }),
    );
    // Put the ledger back as the read model knows it, for the next test.
    await ledger('postings').where({ stream_version: 4 }).delete();
    await ledger('accounts').where({ id: userId }).update({ balance: '15.00', version: 3 });
    await ledger('accounts').where({ id: bankId }).update({ balance: '-15.00', version: 3 });
  });

  it('reports an injected drift and exits non-zero', async () => {
    await h.projection.worker
      .knex(tableOf(LIVE_SCHEMA, 'accounts'))
      .where({ id: userId })
      .update({ balance: '15.01' });
    const cli = await runCli({ RECONCILE_SETTLE_MS: '0' });
    expect(cli.output).toContain(
      `DRIFT ${userId} balance: ledger 15.00, read model 15.01 (read-model version 3)`,
    );
    expect(cli.output).toContain('FAIL 2 accounts compared');
    expect(cli.code).toBe(1);
  });

  it('cannot check without the ledger database and says so with exit code 2', async () => {
    const cli = await runCli({ LEDGER_DATABASE_URL: '' });
    expect(cli.output).toContain('LEDGER_DATABASE_URL');
    expect(cli.code).toBe(2);
  });
});
