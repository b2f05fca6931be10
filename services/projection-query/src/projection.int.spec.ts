import { createMessage } from '@billing/contracts/catalog';
import { HybridLogicalClock } from '@billing/contracts/hlc';
import { AccountOpened } from '@billing/contracts/messages/accounts';
import { EntryPosted } from '@billing/contracts/messages/ledger';
import { topicName } from '@billing/contracts/topics';
import { uuidv7 } from '@billing/contracts/uuid';
import { createLogger } from '@billing/platform/logger';
import { listenNestService, workerModule } from '@billing/platform/nest-service';
import type { Worker } from '@billing/platform/worker';
import { asConsumed, fixturesConsumedBy } from '@billing/testing/contract';
import { testEnv } from '@billing/testing/env';
import { createTestDatabase, createTopics, uniqueTopicPrefix } from '@billing/testing/infra';
import { connectProducer } from '@billing/testing/kafka-probe';
import { waitFor } from '@billing/testing/wait';
import { ClientKafka } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Producer } from 'kafkajs';
import { firstValueFrom, timeout } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config';
import { handleLedgerEvents, handleTransactionEvents } from './handlers';
import { createQueryServer } from './queries/query-server';
import { createProjectionWorker } from './runtime';

const env = testEnv();
const prefix = uniqueTopicPrefix('projection');
const hlc = new HybridLogicalClock('test');
const admin = { kind: 'admin' as const, id: 'admin' };
let db: { url: string; drop(): Promise<void> };
let worker: Worker;
let app: NestFastifyApplication;
let client: ClientKafka;
let producer: Producer;

const meta = () => ({ actor: admin, hlc: hlc.now(), causedBy: null, nowMs: Date.now() });
const topic = (id: Parameters<typeof topicName>[0]) => topicName(id, prefix);

async function publish(id: 'ledgerEvents', key: string, message: object): Promise<void> {
  await producer.send({ topic: topic(id), messages: [{ key, value: JSON.stringify(message) }] });
}

async function ask(request: object): Promise<{ ok: boolean; data?: Record<string, unknown>; code?: string }> {
  return firstValueFrom(client.send(topic('queries'), request).pipe(timeout(10_000)));
}

beforeAll(async () => {
  await createTopics(env.kafkaBrokers, prefix);
  db = await createTestDatabase(env.databaseUrl, 'projection');
  const config = loadConfig({
    DATABASE_URL: db.url,
    KAFKA_BROKERS: env.kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    PORT: '0',
  });
  const logger = createLogger('projection-query', 'warn');
  worker = createProjectionWorker(config, logger);
  await worker.start();
  app = await listenNestService({
    name: 'projection-query',
    module: workerModule(worker),
    host: '127.0.0.1',
    port: 0,
    logger,
    beforeListen: (nest) => {
      nest.connectMicroservice({ strategy: createQueryServer(config, worker.knex) });
      return nest.startAllMicroservices();
    },
  });
  client = new ClientKafka({
    client: { clientId: 'projection-test', brokers: env.kafkaBrokers },
    consumer: {
      groupId: `${prefix}test-replies`,
      sessionTimeout: 6000,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 50,
    },
  });
  client.subscribeToResponseOf(topic('queries'));
  await client.connect();
  producer = await connectProducer(env.kafkaBrokers);
});

afterAll(async () => {
  await producer?.disconnect();
  await client?.close();
  await app?.close();
  await db?.drop();
});

describe('projection-query against real Kafka and PostgreSQL', () => {
  const account = uuidv7();

  it('folds AccountOpened and EntryPosted into the account view, and answers GetAccountBalance over request-reply', async () => {
    const opened = createMessage(
      AccountOpened,
      {
        accountId: account,
        ownerId: 'alice',
        ownerType: 'user',
        type: 'USER',
        currency: 'USD',
        status: 'active',
        balance: '0.00',
        metadata: {},
        streamVersion: 1,
        openedAt: new Date().toISOString(),
      },
      meta(),
    );
    await publish('ledgerEvents', account, opened);
    const posting = (version: number, balanceAfter: string) =>
      createMessage(
        EntryPosted,
        {
          entryId: uuidv7(),
          commandId: uuidv7(),
          transactionId: uuidv7(),
          transactionType: 'topup',
          step: 'post',
          currency: 'USD',
          postings: [
            { accountId: uuidv7(), side: 'debit', amount: '10.00', balanceAfter: '-10.00', streamVersion: 2 },
            { accountId: account, side: 'credit', amount: '10.00', balanceAfter, streamVersion: version },
          ],
          postedAt: new Date().toISOString(),
        },
        meta(),
      );
    const second = posting(3, '20.00');
    const first = posting(2, '10.00');
    // The newer posting arrives first (it travelled on another partition); the older one must not win.
    await publish('ledgerEvents', 'k1', second);
    await publish('ledgerEvents', 'k2', first);
    await publish('ledgerEvents', 'k1', second); // redelivered: counted once

    const reply = await waitFor('balance 20.00', async () => {
      const r = await ask({ type: 'GetAccountBalance', actor: admin, accountId: account });
      const data = r.data as { balance?: string } | undefined;
      return data?.balance === '20.00' &&
        (await worker.knex('inbox').count<{ count: string }[]>())[0]!.count === '3'
        ? r
        : undefined;
    });
    expect(reply).toEqual({
      ok: true,
      data: { accountId: account, balance: '20.00', currency: 'USD', status: 'active' },
    });
  });

  it("hides another owner's account as not found", async () => {
    const reply = await ask({
      type: 'GetAccount',
      actor: { kind: 'owner', id: 'mallory' },
      accountId: account,
    });
    expect(reply).toMatchObject({ ok: false, code: 'ACCOUNT.NOT_FOUND' });
  });

  it('answers a malformed query with REQUEST.INVALID instead of failing', async () => {
    const reply = await ask({ type: 'GetAccount', accountId: 'not-a-uuid' });
    expect(reply).toMatchObject({ ok: false, code: 'REQUEST.INVALID' });
  });

  it.each(fixturesConsumedBy('projection-query'))(
    'handles the $type fixture from $topic (consumer contract)',
    async ({ topic: t, message }) => {
      const batch = [asConsumed(message)] as never[];
      await expect(
        t === 'ledgerEvents'
          ? handleLedgerEvents(worker.knex, batch)
          : handleTransactionEvents(worker.knex, batch),
      ).resolves.toBeUndefined();
    },
  );
});
