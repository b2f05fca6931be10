import { createDatabase, migrate, type Knex } from '@billing/platform/db';
import { testEnv } from '@billing/testing/env';
import { createTestDatabase } from '@billing/testing/infra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../migrations';
import { LEDGER_CHECKS } from './ledger-checks';
import { appendEvent, insertHold, openAccount, postEntry, seedLedger } from './ledger-fixture.spec';
import { verifyLedger, VIOLATIONS_SHOWN, type CheckResult } from './verify-ledger';

let db: { url: string; drop(): Promise<void> };
let knex: Knex;

beforeAll(async () => {
  db = await createTestDatabase(testEnv().databaseUrl, 'verify');
  knex = createDatabase({ url: db.url, poolMax: 4, applicationName: 'verify-test' });
  await migrate(knex, migrations, 'knex_migrations');
});

afterAll(async () => {
  await knex?.destroy();
  await db?.drop();
});

/** Every test works in a transaction that is rolled back, so no corruption leaks into the next test. */
async function inRollback(fn: (trx: Knex.Transaction) => Promise<void>): Promise<void> {
  const trx = await knex.transaction();
  try {
    await fn(trx);
  } finally {
    await trx.rollback();
  }
}

/** Asserts that `name` is the only failing check and that its violations mention every one of `names`. */
async function expectOnlyFailure(trx: Knex, name: string, ...mentions: string[]): Promise<CheckResult> {
  const report = await verifyLedger(trx);
  expect(report.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([name]);
  expect(report.ok).toBe(false);
  const check = report.checks.find((c) => c.name === name)!;
  for (const mention of mentions) expect(check.violations.join('\n')).toContain(mention);
  return check;
}

describe('verifyLedger on a consistent ledger', () => {
  it('passes every check on an empty ledger', async () => {
    const report = await verifyLedger(knex);
    expect(report.ok).toBe(true);
    expect(report.counts).toEqual({ accounts: 0, entries: 0, postings: 0, events: 0 });
  });

  it('passes every check after a balanced entry, and counts what it checked', () =>
    inRollback(async (trx) => {
      await seedLedger(trx);
      const report = await verifyLedger(trx);
      expect(report.checks.map((c) => c.name)).toEqual(LEDGER_CHECKS.map((c) => c.name));
      expect(report.checks.filter((c) => !c.ok)).toEqual([]);
      expect(report.counts).toEqual({ accounts: 2, entries: 1, postings: 2, events: 4 });
    }));

  it('passes with a correct reversal, open holds and a closed empty account', () =>
    inRollback(async (trx) => {
      const { external, user, entryId } = await seedLedger(trx);
      await postEntry(trx, {
        reversesEntryId: entryId,
        postings: [
          { accountId: user, side: 'debit', amount: '100.00' },
          { accountId: external, side: 'credit', amount: '100' },
        ],
      });
      await insertHold(trx, external, '7.50');
      await insertHold(trx, external, '2.50');
      await insertHold(trx, external, '99', 'released');
      await trx('accounts').where({ id: external }).update({ held: '10' });
      await trx('accounts').where({ id: user }).update({ status: 'closed' });
      expect((await verifyLedger(trx)).ok).toBe(true);
    }));
});

describe('verifyLedger finds each kind of corruption', () => {
  it('an entry without postings (the balance trigger only fires on postings)', () =>
    inRollback(async (trx) => {
      await seedLedger(trx);
      const empty = await postEntry(trx, { postings: [] });
      await expectOnlyFailure(trx, 'entries-balance', `entry ${empty}: debits 0, credits 0, 0 posting(s)`);
    }));

  it('unbalanced entries, written with the database triggers disabled', () =>
    inRollback(async (trx) => {
      await trx.raw('set local session_replication_role = replica');
      const { external, user } = await seedLedger(trx);
      // Two entries off by the same amount in opposite directions: the currency still sums to zero, so
      // only the per-entry check can see them.
      const over = await postEntry(trx, {
        postings: [
          { accountId: external, side: 'debit', amount: '30.00' },
          { accountId: user, side: 'credit', amount: '20.00' },
        ],
      });
      const under = await postEntry(trx, {
        postings: [
          { accountId: external, side: 'debit', amount: '20.00' },
          { accountId: user, side: 'credit', amount: '30.00' },
        ],
      });
      const check = await expectOnlyFailure(trx, 'entries-balance', `entry ${over}`, `entry ${under}`);
      expect(check.violationCount).toBe(2);
    }));

  it('balances of a currency that do not sum to zero (an entry crossing currencies, triggers disabled)', () =>
    inRollback(async (trx) => {
      // The database refuses such an entry at its insert (database-guards.int.spec.ts).
      await trx.raw('set local session_replication_role = replica');
      const { external } = await seedLedger(trx);
      const euros = await openAccount(trx, { type: 'USER', currency: 'EUR' });
      await postEntry(trx, {
        postings: [
          { accountId: external, side: 'debit', amount: '50.00' },
          { accountId: euros, side: 'credit', amount: '50.00' },
        ],
      });
      await expectOnlyFailure(trx, 'currency-sums-zero', 'currency USD', 'to -50.00', 'currency EUR');
    }));

  it('balances that no posting explains', () =>
    inRollback(async (trx) => {
      await seedLedger(trx);
      const minted = await openAccount(trx, { type: 'USER' });
      const source = await openAccount(trx, { type: 'EXTERNAL' });
      await trx('accounts').where({ id: minted }).update({ balance: '5.00' });
      await trx('accounts').where({ id: source }).update({ balance: '-5.00' });
      await expectOnlyFailure(trx, 'balance-equals-postings', `account ${minted}`, `account ${source}`);
    }));

  it("a last posting whose balance_after is not the account's balance", () =>
    inRollback(async (trx) => {
      const { external, user } = await seedLedger(trx);
      await postEntry(trx, {
        postings: [
          { accountId: user, side: 'debit', amount: '10.00', balanceAfter: '95.00' },
          { accountId: external, side: 'credit', amount: '10.00' },
        ],
      });
      await expectOnlyFailure(trx, 'balance-equals-last-balance-after', `account ${user}: balance 90.00`);
    }));

  it('held funds that are not the sum of open holds', () =>
    inRollback(async (trx) => {
      const { user } = await seedLedger(trx);
      await insertHold(trx, user, '10.00');
      await expectOnlyFailure(trx, 'held-equals-open-holds', `account ${user}: held 0`);
    }));

  it('an available balance below the minimum, holds included', () =>
    inRollback(async (trx) => {
      const { user } = await seedLedger(trx);
      await insertHold(trx, user, '30.00');
      await trx('accounts').where({ id: user }).update({ held: '30.00', min_balance: '80.00' });
      await expectOnlyFailure(trx, 'limits-respected', `account ${user}: available 70.00`);
    }));

  it('a balance above the maximum', () =>
    inRollback(async (trx) => {
      const { user } = await seedLedger(trx);
      await trx('accounts').where({ id: user }).update({ max_balance: '50.00' });
      await expectOnlyFailure(trx, 'limits-respected', `account ${user}: balance 100.00 is above`);
    }));

  it("an account version that is not its stream's head", () =>
    inRollback(async (trx) => {
      const { user } = await seedLedger(trx);
      await trx('accounts').where({ id: user }).increment('version', 1);
      await expectOnlyFailure(trx, 'version-equals-stream-head', `account ${user}: version 3`);
    }));

  it('a gap in an event stream', () =>
    inRollback(async (trx) => {
      const { user } = await seedLedger(trx);
      await appendEvent(trx, user, 4, 'AccountStatusChanged', { accountId: user });
      await trx('accounts').where({ id: user }).update({ version: 4 });
      await expectOnlyFailure(trx, 'stream-versions-contiguous', `stream ${user}: 3 event(s)`);
    }));

  it('postings whose stream version holds another kind of event', () =>
    inRollback(async (trx) => {
      const { external, user } = await seedLedger(trx);
      const entry = await postEntry(trx, {
        eventType: 'AccountLimitsChanged',
        postings: [
          { accountId: user, side: 'debit', amount: '1.00' },
          { accountId: external, side: 'credit', amount: '1.00' },
        ],
      });
      const check = await expectOnlyFailure(
        trx,
        'postings-have-events',
        `of entry ${entry} on account ${user}`,
      );
      expect(check.violations[0]).toContain('the event there is AccountLimitsChanged');
      expect(check.violationCount).toBe(2);
    }));

  it('postings whose EntryPosted event is about another entry', () =>
    inRollback(async (trx) => {
      const { external, user, entryId } = await seedLedger(trx);
      const entry = await postEntry(trx, {
        eventEntryId: entryId,
        postings: [
          { accountId: user, side: 'debit', amount: '1.00' },
          { accountId: external, side: 'credit', amount: '1.00' },
        ],
      });
      await expectOnlyFailure(
        trx,
        'postings-have-events',
        `of entry ${entry} on account ${external}`,
        `the EntryPosted there is for entry ${entryId}`,
      );
    }));

  it('a reversal that does not mirror its original', () =>
    inRollback(async (trx) => {
      const { external, user, entryId } = await seedLedger(trx);
      const reversal = await postEntry(trx, {
        reversesEntryId: entryId,
        postings: [
          { accountId: user, side: 'debit', amount: '60.00' },
          { accountId: external, side: 'credit', amount: '60.00' },
        ],
      });
      await expectOnlyFailure(
        trx,
        'reversals-mirror-originals',
        `entry ${reversal} reverses entry ${entryId}`,
        `debit 100.00 on account ${user} expected 1 time(s), found 0`,
      );
    }));

  it('a closed account that still holds money', () =>
    inRollback(async (trx) => {
      const { user } = await seedLedger(trx);
      await trx('accounts').where({ id: user }).update({ status: 'closed' });
      await expectOnlyFailure(
        trx,
        'closed-accounts-settled',
        `account ${user} is closed with balance 100.00`,
      );
    }));

  it('a closed account with an open hold', () =>
    inRollback(async (trx) => {
      await seedLedger(trx);
      const closed = await openAccount(trx, { type: 'EXTERNAL' });
      await insertHold(trx, closed, '10.00');
      await trx('accounts').where({ id: closed }).update({ held: '10.00', status: 'closed' });
      await expectOnlyFailure(trx, 'closed-accounts-settled', `account ${closed}`, '1 open hold(s)');
    }));

  it('an entry for a (transaction, step) the ledger had refused', () =>
    inRollback(async (trx) => {
      const { entryId } = await seedLedger(trx);
      const entry = await trx('journal_entries').where({ id: entryId }).first('transaction_id', 'step');
      await trx('rejections').insert({
        transaction_id: entry.transaction_id,
        step: entry.step,
        command_type: 'PostEntry',
        command_id: entryId,
        message_id: entryId,
        data: JSON.stringify({ code: 'ACCOUNT.INSUFFICIENT_FUNDS' }),
        rejected_at: new Date().toISOString(),
      });
      await expectOnlyFailure(
        trx,
        'refusals-never-posted',
        `transaction ${entry.transaction_id} step ${entry.step} was refused (ACCOUNT.INSUFFICIENT_FUNDS) and yet has entry ${entryId}`,
      );
    }));

  it(`lists at most ${VIOLATIONS_SHOWN} violations of a check and counts the rest`, () =>
    inRollback(async (trx) => {
      const users: string[] = [];
      for (let i = 0; i < 24; i++) users.push(await openAccount(trx, { type: 'USER' }));
      const source = await openAccount(trx, { type: 'EXTERNAL' });
      await trx('accounts').whereIn('id', users).update({ balance: '1' });
      await trx('accounts').where({ id: source }).update({ balance: '-24' });
      const check = await expectOnlyFailure(trx, 'balance-equals-postings');
      expect(check.violations).toHaveLength(VIOLATIONS_SHOWN);
      expect(check.violationCount).toBe(25);
    }));
});
