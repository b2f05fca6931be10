import { createMessage } from '@billing/contracts/catalog';
import { HybridLogicalClock } from '@billing/contracts/hlc';
import { EntryPosted, type PostEntryMessage } from '@billing/contracts/messages/ledger';
import { RequestTransfer } from '@billing/contracts/messages/transactions';
import { uuidv7 } from '@billing/contracts/uuid';
import { createDatabase, migrate, type Knex } from '@billing/platform/db';
import { createLogger } from '@billing/platform/logger';
import { asConsumed } from '@billing/testing/contract';
import { testEnv } from '@billing/testing/env';
import { createTestDatabase } from '@billing/testing/infra';
import { builderQueriesDuring, statementsSent } from '@billing/testing/statements';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settings } from '../../test/builders';
import { migrations } from '../migrations';
import type { SagaDeps } from './apply-decision';
import { handleSagaInputs, handleTransactionCommands } from './handlers';
import type { SagaState } from '../workflow/types';

/**
 * The cost of a batch in database round trips, counted on the real handler against a real database:
 * a batch of N requests must cost a handful of statements plus one per saga, not N times a handful.
 */
let db: { url: string; drop(): Promise<void> };
let knex: Knex;
let deps: SagaDeps;
const admin = { kind: 'admin' as const, id: 'ops' };

beforeAll(async () => {
  db = await createTestDatabase(testEnv().databaseUrl, 'saga_round_trips');
  knex = createDatabase({ url: db.url, poolMax: 2, applicationName: 'round-trips' });
  await migrate(knex, migrations, 'knex_migrations');
  deps = {
    knex,
    hlc: new HybridLogicalClock('test'),
    nowMs: Date.now,
    topicPrefix: 'rt.',
    logger: createLogger('saga', 'silent'),
    settings,
  };
});

afterAll(async () => {
  await knex?.destroy();
  await db?.drop();
});

function transferRequests(n: number) {
  return Array.from({ length: n }, (_, i) =>
    asConsumed(
      createMessage(
        RequestTransfer,
        {
          transactionId: uuidv7(),
          idempotencyKey: `rt-${i}-${uuidv7()}`,
          requestHash: 'a'.repeat(64),
          sourceAccountId: uuidv7(),
          destinationAccountId: uuidv7(),
          amount: '1.00',
          currency: 'USD',
        },
        { actor: admin, hlc: deps.hlc.now(), causedBy: null, nowMs: Date.now() },
      ),
      i,
    ),
  );
}

async function statementsFor(n: number): Promise<number> {
  const before = await statementsSent();
  const built = await builderQueriesDuring(knex, () =>
    handleTransactionCommands(deps, transferRequests(n) as never),
  );
  expect(built).toEqual(['BEGIN;', 'COMMIT;']);
  return (await statementsSent()) - before;
}

describe('database round trips per batch of client requests', () => {
  it('costs the same handful of statements for one saga and for fifty', async () => {
    const one = await statementsFor(1);
    const fifty = await statementsFor(50);
    // begin, inbox claim, saga load, saga insert, outbox insert with its notify, commit.
    expect(one).toBeLessThanOrEqual(6);
    expect(fifty).toBe(one);
    console.log(`saga transaction commands: 1 request -> ${one} statements, 50 requests -> ${fifty}`);
  });
});

const topics = { transactionCommands: 'rt.transaction.commands', ledgerEvents: 'rt.ledger.events' };

/** The ledger's answers to the PostEntry commands the sagas of `requests` sent. */
async function postedAnswers(requests: ReturnType<typeof transferRequests>) {
  const ids = requests.map((r) => r.message.data.transactionId);
  const rows: { payload: string }[] = await knex('outbox').where({ type: 'PostEntry' }).select('payload');
  const commands = rows
    .map((r) => JSON.parse(r.payload) as PostEntryMessage)
    .filter((c) => ids.includes(c.data.transactionId));
  return commands.map((c, i) => ({
    ...asConsumed(
      createMessage(
        EntryPosted,
        {
          entryId: uuidv7(),
          commandId: c.data.commandId,
          transactionId: c.data.transactionId,
          transactionType: c.data.transactionType,
          step: c.data.step,
          currency: c.data.currency,
          postings: c.data.postings.map((p) => ({ ...p, balanceAfter: '0.00', streamVersion: 1 })),
          reversesEntryId: null,
          postedAt: new Date().toISOString(),
        },
        { actor: admin, hlc: deps.hlc.now(), causedBy: null, nowMs: Date.now() },
      ),
      i,
    ),
    topic: topics.ledgerEvents,
  }));
}

async function mixedStatementsFor(n: number) {
  const earlier = transferRequests(n);
  await handleTransactionCommands(deps, earlier as never);
  const answers = await postedAnswers(earlier);
  expect(answers).toHaveLength(n);
  const requests = transferRequests(n).map((r) => ({ ...r, topic: topics.transactionCommands }));
  const before = await statementsSent();
  const built = await builderQueriesDuring(knex, () =>
    handleSagaInputs(deps, topics, [...requests, ...answers] as never),
  );
  expect(built).toEqual(['BEGIN;', 'COMMIT;']);
  const count = (await statementsSent()) - before;
  const states: { state: SagaState }[] = await knex('sagas')
    .whereIn(
      'transaction_id',
      earlier.map((r) => r.message.data.transactionId),
    )
    .select('state');
  return { count, statuses: new Set(states.map((s) => s.state.status)) };
}

describe('database round trips per fetch of requests and ledger outcomes', () => {
  it('applies both topics in one transaction of the same statements for one of each and for fifty', async () => {
    const one = await mixedStatementsFor(1);
    const fifty = await mixedStatementsFor(50);
    // begin, inbox claim, saga load, saga insert, saga update, outbox insert with its notify, commit.
    expect(one.count).toBeLessThanOrEqual(7);
    expect(fifty.count).toBe(one.count);
    // The answered transfers are done.
    expect([...fifty.statuses]).toEqual(['completed']);
    console.log(`saga mixed fetch: 1+1 -> ${one.count} statements, 50+50 -> ${fifty.count}`);
  });
});
