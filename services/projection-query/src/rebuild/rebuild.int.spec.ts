import { spawn } from 'node:child_process';
import path from 'node:path';
import { uuidv7 } from '@billing/contracts/uuid';
import { createDatabase, type Knex } from '@billing/platform/db';
import { createKafka } from '@billing/platform/kafka';
import { createLogger } from '@billing/platform/logger';
import { serviceKafkaEnv, testEnv } from '@billing/testing/env';
import { waitFor } from '@billing/testing/wait';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aHoldPlaced, aSummary, aTopUpEntry, aTransactionEvent, anAccountOpened } from '../../test/builders';
import { startProjection, type ProjectionHarness } from '../../test/harness';
import { readModelDigest } from '../read-model/digest';
import { holdSwapLockShared } from '../read-model/locks';
import {
  createReadModel,
  LIVE_SCHEMA,
  PREVIOUS_SCHEMA,
  REBUILD_SCHEMA,
  schemaExists,
} from '../read-model/schema';
import { rebuildReadModels, type RebuildDeps } from './rebuild';
import { swapIn } from './swap';

const env = testEnv();
let h: ProjectionHarness;
let knex: Knex;
let admin: Admin;
let deps: RebuildDeps;
const bank = anAccountOpened({ type: 'EXTERNAL', ownerId: 'bank' });
const user = anAccountOpened({ ownerId: 'rebuild-user' });
const bankId = bank.data.accountId;
const userId = user.data.accountId;
let version = 1;
let bankVersion = 1;
let balance = 0;

/** The next top-up of the user, continuing both streams. */
function nextTopUp() {
  version += 1;
  bankVersion += 1;
  balance += 1;
  return aTopUpEntry(
    { id: bankId, balanceAfter: `-${balance}.00`, version: bankVersion },
    { id: userId, balanceAfter: `${balance}.00`, version },
    '1.00',
  );
}

function runCli(
  script: string,
  extraEnv: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.resolve(__dirname, '../../dist', script)], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...extraEnv },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

beforeAll(async () => {
  h = await startProjection('rebuild');
  knex = createDatabase({ url: h.databaseUrl, poolMax: 5, applicationName: 'rebuild-test' });
  const logger = createLogger('projection-rebuild', 'warn');
  const kafka = createKafka(
    {
      brokers: env.kafkaBrokers,
      clientId: 'rebuild-test',
      topicPrefix: h.prefix,
      security: env.kafkaSecurity,
    },
    logger,
  );
  admin = kafka.admin();
  await admin.connect();
  deps = {
    knex,
    kafka,
    admin,
    logger,
    topicPrefix: h.prefix,
    consumerGroup: 'projection-query',
    sessionTimeoutMs: 6000,
    nowMs: Date.now,
  };

  await h.publish('ledgerEvents', bankId, bank);
  await h.publish('ledgerEvents', userId, user);
  // Out of order across partitions, a hold, a transaction: the rebuild must reach the same state.
  const [first, second] = [nextTopUp(), nextTopUp()];
  await h.publish('ledgerEvents', `k-${uuidv7()}`, second);
  await h.publish('ledgerEvents', bankId, first);
  version += 1;
  await h.publish(
    'ledgerEvents',
    userId,
    aHoldPlaced({ accountId: userId, amount: '0.50', version, availableAfter: '1.50' }),
  );
  const tx = aSummary({ sourceAccountId: bankId, destinationAccountId: userId, amount: '1.00' });
  await h.publish(
    'transactionEvents',
    tx.transactionId,
    aTransactionEvent('pending', tx),
    aTransactionEvent('completed', tx),
  );
  await h.caughtUp();
});

afterAll(async () => {
  await admin?.disconnect();
  await knex?.destroy();
  await h?.stop();
});

describe('rebuilding the read models from the event topics', () => {
  it('builds tables identical to the live ones (same content hash) and swaps them in', async () => {
    const before = await readModelDigest(knex, LIVE_SCHEMA);
    expect(before.tables.accounts!.rows).toBe(2);
    const report = await rebuildReadModels(deps);
    expect(report.digest.digest).toBe(before.digest);
    expect(await readModelDigest(knex, PREVIOUS_SCHEMA)).toEqual(before);
    expect(await schemaExists(knex, REBUILD_SCHEMA)).toBe(false);
    const reply = await h.ask({
      type: 'GetAccountBalance',
      actor: { kind: 'admin', id: 'a' },
      accountId: userId,
    });
    expect(reply.data).toMatchObject({ balance: '2.00', availableBalance: '1.50' });
  });

  it('loses no event that arrives during the rebuild and the swap, and keeps answering queries meanwhile', async () => {
    const answers: boolean[] = [];
    let publishing = true;
    const writer = (async () => {
      while (publishing) {
        await h.publish('ledgerEvents', bankId, nextTopUp());
        const r = await h.ask({ type: 'GetAccount', actor: { kind: 'admin', id: 'a' }, accountId: userId });
        answers.push(r.ok);
      }
    })();
    const cli = await runCli('rebuild/rebuild.cli.js', {
      DATABASE_URL: h.databaseUrl,
      ...serviceKafkaEnv('projection-query'),
      KAFKA_TOPIC_PREFIX: h.prefix,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
    });
    publishing = false;
    await writer;
    expect(cli.output).toContain('rebuilt and swapped in');
    expect(cli.code).toBe(0);
    await h.caughtUp();
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.every(Boolean)).toBe(true);
    const reply = await h.ask({ type: 'GetAccount', actor: { kind: 'admin', id: 'a' }, accountId: userId });
    expect(reply.data).toMatchObject({ balance: `${balance}.00`, version });
    const bankView = await h.ask({
      type: 'GetAccount',
      actor: { kind: 'admin', id: 'a' },
      accountId: bankId,
    });
    expect(bankView.data).toMatchObject({ balance: `-${balance}.00`, version: bankVersion });
    expect((await readModelDigest(knex, LIVE_SCHEMA)).tables.pending_events!.rows).toBe(0);
    // And a rebuild of the now quiet topics still matches what the live projection built across the swap.
    const live = await readModelDigest(knex, LIVE_SCHEMA);
    expect((await rebuildReadModels(deps)).digest.digest).toBe(live.digest);
  });

  // Last: it swaps in an empty read model.
  it('swaps only between live batches: the swap waits for a running batch, which finishes in the old tables', async () => {
    await createReadModel(knex, REBUILD_SCHEMA);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const batch = knex.transaction(async (trx) => {
      await holdSwapLockShared(trx);
      await released;
    });
    await waitFor('the batch holds the lock', async () => {
      const r = await knex.raw<{ rows: unknown[] }>(
        `select 1 from pg_locks where locktype = 'advisory' and granted and mode = 'ShareLock' and database = (select oid from pg_database where datname = current_database())`,
      );
      return r.rows.length > 0 ? true : undefined;
    });
    let toppedUp = false;
    const swap = swapIn(knex, { lockTimeoutMs: 10_000, topUp: async () => void (toppedUp = true) });
    await waitFor('the swap waiting for the lock', async () => {
      const r = await knex.raw<{ rows: unknown[] }>(
        `select 1 from pg_locks where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())`,
      );
      return r.rows.length > 0 ? true : undefined;
    });
    expect(toppedUp).toBe(false);
    expect(await schemaExists(knex, REBUILD_SCHEMA)).toBe(true);
    release();
    await batch;
    await swap;
    expect(toppedUp).toBe(true);
    expect(await schemaExists(knex, REBUILD_SCHEMA)).toBe(false);
  });
});
