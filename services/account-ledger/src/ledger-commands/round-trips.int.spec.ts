import { createMessage } from '@billing/contracts/catalog';
import { HybridLogicalClock } from '@billing/contracts/hlc';
import { ChangeAccountStatus, OpenAccount } from '@billing/contracts/messages/accounts';
import { CaptureHold, PlaceHold, ReleaseHold } from '@billing/contracts/messages/holds';
import { PostEntry, ReverseEntry } from '@billing/contracts/messages/ledger';
import { uuidv7 } from '@billing/contracts/uuid';
import { createDatabase, migrate, type Knex } from '@billing/platform/db';
import { OUTBOX_TABLE } from '@billing/platform/outbox';
import { asConsumed } from '@billing/testing/contract';
import { testEnv } from '@billing/testing/env';
import { createTestDatabase } from '@billing/testing/infra';
import { builderQueriesDuring, statementsSent } from '@billing/testing/statements';
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
  // Counted by the metric, not knex's query events: prepared statements bypass the builder's events.
  const before = await statementsSent();
  await handleLedgerCommands(deps, batch as never);
  return (await statementsSent()) - before;
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

  it('compiles no query-builder statement for any kind of command, only the transaction around them', async () => {
    const accountId = uuidv7();
    const [placeA, placeB] = [users[2]!, users[3]!].map((accountId) =>
      createMessage(
        PlaceHold,
        {
          commandId: uuidv7(),
          holdId: uuidv7(),
          transactionId: uuidv7(),
          transactionType: 'withdrawal',
          accountId,
          amount: '5.00',
          currency: 'USD',
          expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
        },
        meta(),
      ),
    );
    const posted = post('transfer', users[5]!, users[6]!, '1.00', 0);
    const refused = post('transfer', users[7]!, users[8]!, '1000000.00', 1);
    const again = (command: typeof posted) =>
      asConsumed(createMessage(PostEntry, { ...command.message.data, commandId: uuidv7() }, meta()));
    const builder = await builderQueriesDuring(knex, async () => {
      await handleAccountCommands(deps, [
        asConsumed(
          createMessage(
            OpenAccount,
            { accountId, ownerId: 'owner-x', ownerType: 'user', type: 'USER', currency: 'USD', metadata: {} },
            meta(),
          ),
        ),
        asConsumed(
          createMessage(ChangeAccountStatus, { accountId, status: 'suspended', reason: 'test' }, meta()),
        ),
      ] as never);
      await handleLedgerCommands(deps, [
        asConsumed(placeA!),
        asConsumed(placeB!),
        posted,
        refused,
        again(refused),
      ] as never);
    });
    const entryId = (
      await knex('journal_entries').where({ transaction_id: posted.message.data.transactionId }).first()
    ).id as string;
    const later = await builderQueriesDuring(knex, async () => {
      await handleLedgerCommands(deps, [
        asConsumed(
          createMessage(
            CaptureHold,
            {
              commandId: uuidv7(),
              holdId: placeA!.data.holdId,
              transactionId: placeA!.data.transactionId,
              step: 'capture',
              creditAccountId: bank,
              amount: '5.00',
            },
            meta(),
          ),
        ),
        asConsumed(
          createMessage(
            ReleaseHold,
            {
              commandId: uuidv7(),
              holdId: placeB!.data.holdId,
              transactionId: placeB!.data.transactionId,
              reason: '',
            },
            meta(),
          ),
        ),
        asConsumed(
          createMessage(
            ReverseEntry,
            {
              commandId: uuidv7(),
              entryId,
              transactionId: posted.message.data.transactionId,
              step: 'reverse',
              reason: 'test',
            },
            meta(),
          ),
        ),
        // Answered from what is stored: the entry posted and the refusal of the first batch.
        again(posted),
        again(refused),
      ] as never);
    });
    // Knex sends the transactions' BEGIN and COMMIT itself; it sends the builder's only for queries.
    expect([...builder, ...later].filter((sql) => !/^(BEGIN|COMMIT);$/.test(sql))).toEqual([]);
    // Every path ran: the holds were placed and closed, the status changed, the entry reversed.
    const types = (await knex(OUTBOX_TABLE).distinct('type')).map((o: { type: string }) => o.type);
    for (const type of ['AccountStatusChanged', 'HoldPlaced', 'HoldCaptured', 'HoldReleased'])
      expect(types).toContain(type);
    const rejected = await knex('rejections').where({ transaction_id: refused.message.data.transactionId });
    expect(rejected).toHaveLength(1);
    const reversal = await knex('journal_entries').where({
      transaction_id: posted.message.data.transactionId,
      step: 'reverse',
    });
    expect(reversal).toHaveLength(1);
    expect((await verifyLedger(knex)).ok).toBe(true);
  });
});
