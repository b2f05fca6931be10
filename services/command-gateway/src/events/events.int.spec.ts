import type { QueryRequest } from '@billing/contracts/messages/queries';
import { topicName } from '@billing/contracts/topics';
import { uuidv7 } from '@billing/contracts/uuid';
import { createLogger } from '@billing/platform/logger';
import { serviceKafkaEnv, testEnv } from '@billing/testing/env';
import { createTopics, uniqueTopicPrefix } from '@billing/testing/infra';
import { connectProducer } from '@billing/testing/kafka-probe';
import { waitFor } from '@billing/testing/wait';
import type { ServerKafka } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../config';
import { SseClient, startFakeReadSide } from '../gateway-harness.spec';
import { createGateway } from '../server';
import {
  aCompletedTransfer,
  aTransactionDetails,
  anAccountView,
  type TransferIds,
} from './event-builders.spec';

/**
 * The event stream against a real broker: the test plays the read side (who may see what) and the
 * ledger and saga (it publishes their events to the topics the gateway follows).
 */
const env = testEnv();
const prefix = uniqueTopicPrefix('gateway-sse');
const KEYS = { alice: 'owner-key-alice-0001', bob: 'owner-key-bob-00001', admin: 'admin-key-000000000001' };
const ALICE_ACCOUNT = uuidv7();
const BOB_ACCOUNT = uuidv7();
const ALICE_TX: TransferIds = {
  transactionId: uuidv7(),
  sourceAccountId: ALICE_ACCOUNT,
  destinationAccountId: BOB_ACCOUNT,
};
let app: NestFastifyApplication;
let url: string;
let producer: Producer;
let readSide: ServerKafka;
let closed = false;

function answer(q: QueryRequest): unknown {
  const sees = (owner: string) => q.actor.kind === 'admin' || q.actor.id === owner;
  if (q.type === 'GetAccount') {
    if (q.accountId === ALICE_ACCOUNT && sees('alice'))
      return { ok: true, data: anAccountView(q.accountId, 'alice') };
    if (q.accountId === BOB_ACCOUNT && sees('bob'))
      return { ok: true, data: anAccountView(q.accountId, 'bob') };
    return { ok: false, code: 'ACCOUNT.NOT_FOUND', detail: 'account not found' };
  }
  if (q.type === 'GetTransaction' && q.transactionId === ALICE_TX.transactionId && sees('alice')) {
    return { ok: true, data: aTransactionDetails(ALICE_TX) };
  }
  if (q.type === 'ListCurrencies') return { ok: true, data: { currencies: [] } };
  return { ok: false, code: 'TRANSACTION.NOT_FOUND', detail: 'not found' };
}

beforeAll(async () => {
  await createTopics(env.kafkaBrokers, prefix);
  readSide = await startFakeReadSide(env.kafkaBrokers, prefix, answer);
  const config = loadConfig({
    ...serviceKafkaEnv('command-gateway'),
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    API_KEYS: JSON.stringify([
      { key: KEYS.admin, role: 'admin' },
      { key: KEYS.alice, role: 'owner', ownerId: 'alice' },
      { key: KEYS.bob, role: 'owner', ownerId: 'bob' },
    ]),
    SSE_HEARTBEAT_MS: '100',
    // Also bounds how long closing the gateway waits for connections the test's HTTP client left open.
    REQUEST_TIMEOUT_MS: '2000',
    SSE_REPLAY_MAX: '100',
    SSE_STREAMS_PER_KEY_MAX: '2',
  });
  app = await createGateway(config, createLogger('command-gateway', 'silent'));
  await app.listen(0, '127.0.0.1');
  url = await app.getUrl();
  producer = await connectProducer(env.kafkaBrokers);
  await waitFor('gateway ready', async () =>
    (await fetch(`${url}/health/ready`)).status === 200 ? true : undefined,
  );
  await waitFor(
    'the read side answering',
    async () =>
      (await fetch(`${url}/api/v1/currencies`, { headers: { 'x-api-key': KEYS.admin } })).status === 200
        ? true
        : undefined,
    { timeoutMs: 30_000, intervalMs: 500 },
  );
});

afterAll(async () => {
  await producer?.disconnect();
  if (!closed) await app?.close();
  await readSide?.close();
});

const stream = (query: string, key: string, extra: Record<string, string> = {}) =>
  SseClient.open(`${url}/api/v1/events/stream?${query}`, { 'x-api-key': key, ...extra });

async function publish(
  topic: 'ledgerEvents' | 'transactionEvents',
  key: string,
  message: { messageId: string },
) {
  await producer.send({
    topic: topicName(topic, prefix),
    messages: [{ key, value: JSON.stringify(message) }],
  });
}

async function publishTransfer(events: ReturnType<typeof aCompletedTransfer>, key: string) {
  await publish('transactionEvents', key, events.accepted);
  await publish('ledgerEvents', key, events.posted);
  await publish('transactionEvents', key, events.completed);
}

describe('GET /api/v1/events/stream', () => {
  it("streams a transfer's events to the owner following the source account, and nothing unrelated", async () => {
    // The handler writes the answer itself on the hijacked reply; Nest must not send one as well.
    const nestReply = vi.spyOn(app.getHttpAdapter(), 'reply');
    const client = await stream(`accountId=${ALICE_ACCOUNT}`, KEYS.alice);
    expect(client.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(client.response.headers.get('cache-control')).toBe('no-store');
    expect(client.response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(client.response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const unrelated = aCompletedTransfer({
      transactionId: uuidv7(),
      sourceAccountId: uuidv7(),
      destinationAccountId: uuidv7(),
    });
    await publishTransfer(unrelated, unrelated.accepted.data.transactionId);
    const transfer = aCompletedTransfer({ ...ALICE_TX, transactionId: uuidv7() });
    await publishTransfer(transfer, transfer.accepted.data.transactionId);

    await client.waitForEvent('TransactionCompleted', (e) => e.event === 'TransactionCompleted');
    await client.waitForEvent('EntryPosted', (e) => e.event === 'EntryPosted');
    client.close();
    expect(nestReply).not.toHaveBeenCalled();
    nestReply.mockRestore();
    expect(client.events.map((e) => e.id).sort()).toEqual(
      [transfer.accepted.messageId, transfer.posted.messageId, transfer.completed.messageId].sort(),
    );
    const accepted = client.events.find((e) => e.event === 'TransactionAccepted')!;
    expect(accepted.data).toEqual({
      type: 'TransactionAccepted',
      occurredAt: transfer.accepted.occurredAt,
      data: transfer.accepted.data,
    });
    // Alice sees her own balance after the entry, but not Bob's.
    const posted = client.events.find((e) => e.event === 'EntryPosted')!.data as {
      data: { postings: object[] };
    };
    expect(posted.data.postings).toEqual([
      expect.objectContaining({ accountId: ALICE_ACCOUNT, balanceAfter: '75.00' }),
      { accountId: BOB_ACCOUNT, side: 'credit', amount: '25.00' },
    ]);
  });

  it("answers 404 to an owner asking for another owner's account, as problem+json", async () => {
    const client = await SseClient.request(`${url}/api/v1/events/stream?accountId=${BOB_ACCOUNT}`, {
      'x-api-key': KEYS.alice,
    });
    expect(client.response.status).toBe(404);
    expect(client.response.headers.get('content-type')).toContain('application/problem+json');
    expect(((await client.response.json()) as { code: string }).code).toBe('ACCOUNT.NOT_FOUND');
  });

  it('answers 400 when neither an account nor a transaction is named', async () => {
    const client = await SseClient.request(`${url}/api/v1/events/stream`, { 'x-api-key': KEYS.alice });
    expect(client.response.status).toBe(400);
    expect(((await client.response.json()) as { code: string }).code).toBe('REQUEST.INVALID');
  });

  it('lets an admin follow a transaction the read side does not know yet, but not an owner', async () => {
    const fresh = aCompletedTransfer({ ...ALICE_TX, transactionId: uuidv7() });
    const refused = await SseClient.request(
      `${url}/api/v1/events/stream?transactionId=${fresh.accepted.data.transactionId}`,
      { 'x-api-key': KEYS.alice },
    );
    expect(refused.response.status).toBe(404);
    const admin = await stream(`transactionId=${fresh.accepted.data.transactionId}`, KEYS.admin);
    await publishTransfer(fresh, fresh.accepted.data.transactionId);
    await admin.waitForEvent('the completion', (e) => e.event === 'TransactionCompleted');
    // The entry travels on the ledger's topic, so it may arrive after the completion: wait for it too.
    await admin.waitForEvent('the entry', (e) => e.event === 'EntryPosted');
    admin.close();
    // An admin sees every account's figures.
    const posted = admin.events.find((e) => e.event === 'EntryPosted')!.data as {
      data: { postings: object[] };
    };
    expect(posted.data.postings).toContainEqual(
      expect.objectContaining({ accountId: BOB_ACCOUNT, balanceAfter: '125.00' }),
    );
  });

  it('replays the events missed since Last-Event-ID on reconnect, then goes on live', async () => {
    const transfer = aCompletedTransfer({ ...ALICE_TX, transactionId: uuidv7() });
    const txId = transfer.accepted.data.transactionId;
    const first = await stream(`accountId=${ALICE_ACCOUNT}`, KEYS.alice);
    await publish('transactionEvents', txId, transfer.accepted);
    const seen = await first.waitForEvent('the acceptance', (e) => e.id === transfer.accepted.messageId);
    first.close();
    // An admin watching the same account tells the test when the gateway has the events Alice missed.
    const watcher = await stream(`accountId=${ALICE_ACCOUNT}`, KEYS.admin);
    await publish('ledgerEvents', txId, transfer.posted);
    await publish('transactionEvents', txId, transfer.completed);
    // Both, since they travel on different topics and may arrive in either order.
    await watcher.waitForEvent('the completion', (e) => e.id === transfer.completed.messageId);
    await watcher.waitForEvent('the entry', (e) => e.id === transfer.posted.messageId);
    watcher.close();

    const resumed = await stream(`accountId=${ALICE_ACCOUNT}`, KEYS.alice, { 'last-event-id': seen.id! });
    await resumed.waitForEvent('the replayed completion', (e) => e.id === transfer.completed.messageId, 5000);
    expect(resumed.events.map((e) => e.id).sort()).toEqual(
      [transfer.posted.messageId, transfer.completed.messageId].sort(),
    );
    resumed.close();
  });

  it('tells a client whose Last-Event-ID is no longer buffered to read the history routes', async () => {
    const client = await stream(`accountId=${ALICE_ACCOUNT}`, KEYS.alice, { 'last-event-id': uuidv7() });
    const gap = await client.waitForEvent('the replay gap', (e) => e.event === 'replay-gap', 5000);
    client.close();
    expect(gap.id).toBeNull();
  });

  it('sends heartbeat comments while nothing happens', async () => {
    const client = await stream(`accountId=${BOB_ACCOUNT}`, KEYS.bob);
    await waitFor(
      'two heartbeats',
      () => (client.comments.filter((c) => c === 'heartbeat').length >= 2 ? true : undefined),
      { timeoutMs: 5000 },
    );
    client.close();
  });

  it('refuses more concurrent streams per caller than allowed with 429', async () => {
    const open = [
      await stream(`accountId=${BOB_ACCOUNT}`, KEYS.bob),
      await stream(`accountId=${BOB_ACCOUNT}`, KEYS.bob),
    ];
    const third = await SseClient.request(`${url}/api/v1/events/stream?accountId=${BOB_ACCOUNT}`, {
      'x-api-key': KEYS.bob,
    });
    expect(third.response.status).toBe(429);
    expect(((await third.response.json()) as { code: string }).code).toBe('RATE.LIMITED');
    for (const c of open) c.close();
    // Closed streams free their places.
    const again = await waitFor('a place freed', async () => {
      const c = await SseClient.request(`${url}/api/v1/events/stream?accountId=${BOB_ACCOUNT}`, {
        'x-api-key': KEYS.bob,
      });
      return c.response.status === 200 ? c : undefined;
    });
    again.close();
  });

  it('ends open streams when the gateway shuts down', async () => {
    const client = await stream(`accountId=${ALICE_ACCOUNT}`, KEYS.alice);
    closed = true;
    await app.close();
    await waitFor('the stream ended', () => (client.ended ? true : undefined), { timeoutMs: 5000 });
    expect(client.comments).toContain('closing (shutdown)');
  });
});
