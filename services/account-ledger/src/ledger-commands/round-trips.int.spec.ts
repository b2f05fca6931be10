import { createMessage } from '@billing/contracts/catalog';
import { HybridLogicalClock } from '@billing/contracts/hlc';
import { OpenAccount } from '@billing/contracts/messages/accounts';
import { PostEntry } from '@billing/contracts/messages/ledger';
import { uuidv7 } from '@billing/contracts/uuid';
import { createDatabase, migrate, type Knex } from '@billing/platform/db';
import { OUTBOX_TABLE } from '@billing/platform/outbox';
import { asConsumed } from '@billing/testing/contract';
import { testEnv } from '@billing/testing/env';
import { createTestDatabase } from '@billing/testing/infra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin } from '../../test/builders';
import { handleAccountCommands } from '../account-commands/account-commands.handler';
import { migrations } from '../migrations';
import type { LedgerDeps } from '../shared/ledger-deps';
import { verifyLedger } from '../verify/verify-ledger';
import { handleLedgerCommands } from './ledger-commands.handler';

/**
 * The cost of a batch of ledger commands in database statements, counted on the real handler against
 * a real database: a batch of N transfers must cost a fixed handful of statements, not a handful per
 * transfer (entries, postings and events are written with one multi-row statement each).
 */
let db: { url: string; drop(): Promise<void> };
let knex: Knex;
let deps: LedgerDeps;
const bank = uuidv7();
const users = Array.from({ length: 20 }, () => uuidv7());
const meta = () => ({ actor: admin, hlc: deps.hlc.now(), causedBy: null, nowMs: Date.now() });

beforeAll(async () => {
  db = await createTestDatabase(testEnv().databaseUrl, 'ledger_round_trips');
  knex = createDatabase({ url: db.url, poolMax: 2, applicationName: 'ledger-round-trips' });
  await migrate(knex, migrations, 'knex_migrations');
  deps = { knex, hlc: new HybridLogicalClock('test'), nowMs: Date.now, topicPrefix: 'rt.' };
  const open = (accountId: string, type: 'USER' | 'EXTERNAL', i: number) =>
    asConsumed(
      createMessage(
        OpenAccount,
        { accountId, ownerId: `owner-${i}`, ownerType: 'user', type, currency: 'USD', metadata: {} },
        meta(),
      ),
      i,
    );
  await handleAccountCommands(deps, [
    open(bank, 'EXTERNAL', 0),
    ...users.map((u, i) => open(u, 'USER', i + 1)),
  ] as never);
  // Fund every user from the bank, so the transfers below are all accepted.
  await handleLedgerCommands(deps, users.map((u, i) => post('topup', bank, u, '100.00', i)) as never);
});

afterAll(async () => {
  await knex?.destroy();
  await db?.drop();
});

function post(type: 'topup' | 'transfer', from: string, to: string, amount: string, offset: number) {
  return asConsumed(
    createMessage(
      PostEntry,
      {
        commandId: uuidv7(),
        transactionId: uuidv7(),
        transactionType: type,
        step: 'post',
        currency: 'USD',
        postings: [
          { accountId: from, side: 'debit', amount },
          { accountId: to, side: 'credit', amount },
        ],
      },
      meta(),
    ),
    offset,
  );
}

function transfers(n: number) {
  return Array.from({ length: n }, (_, i) =>
    post('transfer', users[i % users.length]!, users[(i + 1) % users.length]!, '1.00', i),
  );
}

async function statementsFor(batch: ReturnType<typeof transfers>): Promise<number> {
  let count = 0;
  const onQuery = () => void count++;
  knex.on('query', onQuery);
  try {
    await handleLedgerCommands(deps, batch as never);
  } finally {
    knex.off('query', onQuery);
  }
  return count;
}

describe('database statements per batch of ledger commands', () => {
  it('costs the same handful of statements for one transfer and for fifty', async () => {
    const one = await statementsFor(transfers(1));
    const fifty = await statementsFor(transfers(50));
    // begin, currencies, inbox claim, holds (none), accounts, refusals, entries by step, then entries,
    // postings, events, account update, outbox and commit: nothing grows with the batch.
    expect(one).toBeLessThanOrEqual(13);
    expect(fifty).toBe(one);
    const postings = await knex('postings').count<{ count: string }[]>({ count: '*' });
    expect(Number(postings[0]!.count)).toBe(2 * (users.length + 51));
    expect((await verifyLedger(knex)).ok).toBe(true);
  });

  it('answers a command repeated within the same batch with the entry it posted, once', async () => {
    const first = transfers(1)[0]!;
    // The same (transaction, step) again under a new message id, as an orchestrator's resend would be.
    const resent = asConsumed(
      createMessage(PostEntry, { ...first.message.data, commandId: uuidv7() }, meta()),
      1,
    );
    await handleLedgerCommands(deps, [first, resent] as never);
    const entries = await knex('journal_entries').where({ transaction_id: first.message.data.transactionId });
    expect(entries).toHaveLength(1);
    const answers = (await knex(OUTBOX_TABLE).where({ type: 'EntryPosted' }).select('payload'))
      .map((row: { payload: string | { data: { transactionId: string; entryId: string } } }) =>
        typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload,
      )
      .filter(
        (e: { data: { transactionId: string } }) => e.data.transactionId === first.message.data.transactionId,
      );
    expect(answers).toHaveLength(2);
    expect(new Set(answers.map((a: { data: { entryId: string } }) => a.data.entryId)).size).toBe(1);
  });
});
