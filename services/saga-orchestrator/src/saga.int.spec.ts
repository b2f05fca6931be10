import { createMessage } from '@billing/contracts/catalog';
import { HybridLogicalClock } from '@billing/contracts/hlc';
import { EntryPosted } from '@billing/contracts/messages/ledger';
import { RequestTopUp } from '@billing/contracts/messages/transactions';
import { topicName } from '@billing/contracts/topics';
import { uuidv7 } from '@billing/contracts/uuid';
import { createLogger } from '@billing/platform/logger';
import type { Worker } from '@billing/platform/worker';
import { asConsumed, fixturesConsumedBy } from '@billing/testing/contract';
import { testEnv } from '@billing/testing/env';
import { createTestDatabase, createTopics, uniqueTopicPrefix } from '@billing/testing/infra';
import { connectProducer, TopicProbe } from '@billing/testing/kafka-probe';
import { waitFor } from '@billing/testing/wait';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config';
import { createSagaWorker } from './runtime';
import { handleLedgerEvents, handleTransactionCommands } from './saga/handlers';

const env = testEnv();
const prefix = uniqueTopicPrefix('saga');
const hlc = new HybridLogicalClock('test');
const actor = { kind: 'owner' as const, id: 'alice' };
let db: { url: string; drop(): Promise<void> };
let worker: Worker;
let producer: Producer;
let probe: TopicProbe;

const meta = () => ({ actor, hlc: hlc.now(), causedBy: null, nowMs: Date.now() });
const topic = (id: Parameters<typeof topicName>[0]) => topicName(id, prefix);

beforeAll(async () => {
  await createTopics(env.kafkaBrokers, prefix);
  db = await createTestDatabase(env.databaseUrl, 'saga');
  const config = loadConfig({
    DATABASE_URL: db.url,
    KAFKA_BROKERS: env.kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_SESSION_TIMEOUT_MS: '6000',
  });
  worker = createSagaWorker(config, createLogger('saga-orchestrator', 'warn'));
  await worker.start();
  producer = await connectProducer(env.kafkaBrokers);
  probe = new TopicProbe(env.kafkaBrokers, [topic('ledgerCommands'), topic('transactionEvents')]);
  await probe.start();
});

afterAll(async () => {
  await probe?.stop();
  await producer?.disconnect();
  await worker?.stop();
  await db?.drop();
});

describe('saga-orchestrator against real Kafka and PostgreSQL', () => {
  it('turns a top-up request into one PostEntry, then completes when the ledger posts it', async () => {
    const transactionId = uuidv7();
    const request = createMessage(
      RequestTopUp,
      {
        transactionId,
        idempotencyKey: 'saga-int-0001',
        requestHash: 'c'.repeat(64),
        sourceAccountId: uuidv7(),
        destinationAccountId: uuidv7(),
        amount: '12.34',
        currency: 'USD',
      },
      meta(),
    );
    const send = () =>
      producer.send({
        topic: topic('transactionCommands'),
        messages: [{ key: transactionId, value: JSON.stringify(request) }],
      });
    await send();
    await send(); // a redelivery: absorbed by the inbox

    const command = await waitFor('PostEntry', () =>
      probe
        .parsed<{ type: string; data: { transactionId: string; commandId: string } }>(topic('ledgerCommands'))
        .find((m) => m.data.transactionId === transactionId),
    );
    expect(command.type).toBe('PostEntry');

    const posted = createMessage(
      EntryPosted,
      {
        entryId: uuidv7(),
        commandId: command.data.commandId,
        transactionId,
        transactionType: 'topup',
        step: 'post',
        currency: 'USD',
        postings: [
          {
            accountId: request.data.sourceAccountId,
            side: 'debit',
            amount: '12.34',
            balanceAfter: '-12.34',
            streamVersion: 2,
          },
          {
            accountId: request.data.destinationAccountId,
            side: 'credit',
            amount: '12.34',
            balanceAfter: '12.34',
            streamVersion: 2,
          },
        ],
        postedAt: new Date().toISOString(),
      },
      meta(),
    );
    await producer.send({
      topic: topic('ledgerEvents'),
      messages: [{ key: request.data.sourceAccountId, value: JSON.stringify(posted) }],
    });

    const events = await waitFor('TransactionCompleted', () => {
      const mine = probe
        .parsed<{ type: string; data: { transactionId: string; status: string } }>(topic('transactionEvents'))
        .filter((e) => e.data.transactionId === transactionId);
      return mine.some((e) => e.type === 'TransactionCompleted') ? mine : undefined;
    });
    expect(events.map((e) => e.type)).toEqual(['TransactionAccepted', 'TransactionCompleted']);
    expect(
      probe
        .parsed<{ data: { transactionId: string } }>(topic('ledgerCommands'))
        .filter((m) => m.data.transactionId === transactionId),
    ).toHaveLength(1);
    const saga = await worker.knex('sagas').where({ transaction_id: transactionId }).first();
    expect(saga).toMatchObject({ status: 'completed', version: 2 });

    // The same key (same transaction id) with other terms: refused, and the transaction stays as it was.
    const reused = createMessage(
      RequestTopUp,
      { ...request.data, amount: '99.00', requestHash: 'd'.repeat(64) },
      meta(),
    );
    await producer.send({
      topic: topic('transactionCommands'),
      messages: [{ key: transactionId, value: JSON.stringify(reused) }],
    });
    const refusal = await waitFor('TransactionRequestRejected', () =>
      probe
        .parsed<{ type: string; data: { transactionId: string; code: string } }>(topic('transactionEvents'))
        .find((e) => e.type === 'TransactionRequestRejected' && e.data.transactionId === transactionId),
    );
    expect(refusal.data.code).toBe('IDEMPOTENCY.KEY_REUSED');
    expect(await worker.knex('sagas').where({ transaction_id: transactionId }).first()).toMatchObject({
      status: 'completed',
      version: 2,
    });
  });

  it.each(fixturesConsumedBy('saga-orchestrator'))(
    'handles the $type fixture from $topic (consumer contract)',
    async ({ topic: t, message }) => {
      const deps = {
        knex: worker.knex,
        hlc,
        nowMs: Date.now,
        topicPrefix: prefix,
        logger: createLogger('saga', 'silent'),
      };
      const batch = [asConsumed(message)] as never[];
      await expect(
        t === 'transactionCommands'
          ? handleTransactionCommands(deps, batch)
          : handleLedgerEvents(deps, batch),
      ).resolves.toBeUndefined();
    },
  );
});
