import { createMessage } from '@billing/contracts/catalog';
import { HybridLogicalClock } from '@billing/contracts/hlc';
import { RequestTransfer } from '@billing/contracts/messages/transactions';
import { uuidv7 } from '@billing/contracts/uuid';
import { createDatabase, migrate, type Knex } from '@billing/platform/db';
import { createLogger } from '@billing/platform/logger';
import { asConsumed } from '@billing/testing/contract';
import { testEnv } from '@billing/testing/env';
import { createTestDatabase } from '@billing/testing/infra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settings } from '../../test/builders';
import { migrations } from '../migrations';
import type { SagaDeps } from './apply-decision';
import { handleTransactionCommands } from './handlers';

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
  let count = 0;
  const onQuery = () => void count++;
  knex.on('query', onQuery);
  try {
    await handleTransactionCommands(deps, transferRequests(n) as never);
  } finally {
    knex.off('query', onQuery);
  }
  return count;
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
