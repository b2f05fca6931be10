import { createMessage } from '@billing/contracts/catalog';
import { SYSTEM_ACTOR } from '@billing/contracts/envelope';
import { HybridLogicalClock } from '@billing/contracts/hlc';
import type { AccountView, QueryRequest } from '@billing/contracts/messages/queries';
import {
  TransactionAccepted,
  TransactionFailed,
  TransactionNeedsAttention,
  TransactionRequestRejected,
  TransactionRequestReplayed,
  type TransactionSummary,
} from '@billing/contracts/messages/transactions';
import { topicName } from '@billing/contracts/topics';
import { uuidv7 } from '@billing/contracts/uuid';
import { createLogger } from '@billing/platform/logger';
import { serviceKafkaEnv, testEnv } from '@billing/testing/env';
import { createTopics, uniqueTopicPrefix } from '@billing/testing/infra';
import { connectProducer, TopicProbe } from '@billing/testing/kafka-probe';
import { waitFor } from '@billing/testing/wait';
import type { ServerKafka } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { anAccountView } from '../events/event-builders.spec';
import { startFakeReadSide } from '../gateway-harness.spec';
import { createGateway } from '../server';

/**
 * The money movements of the gateway against a real broker, with the test playing the read side (it
 * records what is asked and by whom) and the orchestrator (it publishes the transaction events). The
 * gateway here does not wait for the orchestrator's acknowledgement of a request sent without
 * Prefer: wait (COMMAND_ACK_WAIT_MS 0), so that only the tests that play the orchestrator wait for it.
 */
const env = testEnv();
const prefix = uniqueTopicPrefix('gateway-movements');
const KEYS = {
  admin: 'admin-key-000000000001',
  alice: 'owner-key-alice-0001',
  mallory: 'owner-key-mallory-01',
};
const hlc = new HybridLogicalClock('saga-test');
const accounts = new Map<string, AccountView>();
const asked: QueryRequest[] = [];
let app: NestFastifyApplication;
let url: string;
let producer: Producer;
let probe: TopicProbe;
let readSide: ServerKafka;

function account(ownerId: string, overrides: Partial<AccountView> = {}): string {
  const view = { ...anAccountView(uuidv7(), ownerId), ...overrides };
  accounts.set(view.id, view);
  return view.id;
}

const ALICE = account('alice');
const ALICE_EUR = account('alice', { currency: 'EUR' });
const BOB = account('bob');
const BOB_EXTERNAL = account('bob', { type: 'EXTERNAL', currency: 'EUR' });
const BANK = account('bank', { type: 'EXTERNAL', ownerType: 'bank' });
const MISSING = uuidv7();

function answer(q: QueryRequest): unknown {
  asked.push(q);
  const sees = (ownerId: string) => q.actor.kind !== 'owner' || q.actor.id === ownerId;
  switch (q.type) {
    case 'GetAccount': {
      const view = accounts.get(q.accountId);
      return view && sees(view.ownerId)
        ? { ok: true, data: view }
        : { ok: false, code: 'ACCOUNT.NOT_FOUND', detail: `account ${q.accountId} not found` };
    }
    case 'ListCurrencies':
      return { ok: true, data: { currencies: [] } };
    default:
      return { ok: false, code: 'REQUEST.INVALID', detail: 'not played by this test' };
  }
}

beforeAll(async () => {
  await createTopics(env.kafkaBrokers, prefix);
  readSide = await startFakeReadSide(env.kafkaBrokers, prefix, answer);
  const config = loadConfig({
    ...serviceKafkaEnv('command-gateway'),
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    QUERY_TIMEOUT_MS: '5000',
    COMMAND_ACK_WAIT_MS: '0',
    API_KEYS: JSON.stringify([
      { key: KEYS.admin, role: 'admin' },
      { key: KEYS.alice, role: 'owner', ownerId: 'alice' },
      { key: KEYS.mallory, role: 'owner', ownerId: 'mallory' },
    ]),
  });
  app = await createGateway(config, createLogger('command-gateway', 'silent'));
  await app.listen(0, '127.0.0.1');
  url = await app.getUrl();
  producer = await connectProducer(env.kafkaBrokers);
  probe = new TopicProbe(env.kafkaBrokers, [topicName('transactionCommands', prefix)]);
  await probe.start();
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
  await probe?.stop();
  await producer?.disconnect();
  await app?.close();
  await readSide?.close();
});

async function post(path: string, body: object, key: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key, ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as Record<string, unknown>,
  };
}

type Command = {
  messageId: string;
  correlationId: string;
  type: string;
  actor: unknown;
  data: Record<string, unknown>;
};
const commandFor = (idempotencyKey: string) =>
  waitFor(`the command for ${idempotencyKey}`, () =>
    probe
      .parsed<Command>(topicName('transactionCommands', prefix))
      .find((m) => m.data.idempotencyKey === idempotencyKey),
  );
const emitted = (idempotencyKey: string) =>
  probe
    .parsed<Command>(topicName('transactionCommands', prefix))
    .some((m) => m.data.idempotencyKey === idempotencyKey);
const askedSince = (n: number) => asked.slice(n);
const uniqueKey = (label: string) => `${label}-${uuidv7().slice(-12)}`;

/** Publishes what the orchestrator would, as caused by `cause` (the command, or null for a later step). */
async function publishTransactionEvent(
  type:
    | typeof TransactionAccepted
    | typeof TransactionFailed
    | typeof TransactionNeedsAttention
    | typeof TransactionRequestRejected
    | typeof TransactionRequestReplayed,
  data: unknown,
  cause: Command | null,
  transactionId: string,
) {
  const event = createMessage(type as typeof TransactionAccepted, data as TransactionSummary, {
    actor: SYSTEM_ACTOR,
    hlc: hlc.now(),
    causedBy: cause ? { messageId: cause.messageId, correlationId: cause.correlationId } : null,
    nowMs: Date.now(),
  });
  await producer.send({
    topic: topicName('transactionEvents', prefix),
    messages: [{ key: transactionId, value: JSON.stringify(event) }],
  });
}

function aSummaryOf(command: Command, overrides: Partial<TransactionSummary>): TransactionSummary {
  const d = command.data as Record<string, string>;
  const now = new Date().toISOString();
  return {
    transactionId: d.transactionId!,
    type: 'transfer',
    status: 'pending',
    amount: d.amount!,
    currency: d.currency!,
    sourceAccountId: d.sourceAccountId ?? BANK,
    destinationAccountId: d.destinationAccountId ?? ALICE,
    idempotencyKey: d.idempotencyKey!,
    reason: null,
    originalTransactionId: null,
    details: {},
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

describe('top-ups: owners are collected from, admins name the source', () => {
  it("emits an owner's top-up as a collection with its funding and no source, checking only its own account", async () => {
    const key = uniqueKey('owner-topup');
    const before = asked.length;
    const res = await post(
      '/api/v1/transactions/topup',
      {
        idempotencyKey: key,
        destinationAccountId: ALICE,
        amount: '25.00',
        currency: 'USD',
        funding: { method: 'card', sourceReference: 'tok_visa_4242' },
      },
      KEYS.alice,
    );
    expect(res.status).toBe(202);
    const command = await commandFor(key);
    expect(command).toMatchObject({
      type: 'RequestTopUp',
      actor: { kind: 'owner', id: 'alice' },
      data: {
        sourceAccountId: null,
        destinationAccountId: ALICE,
        funding: { method: 'card', sourceReference: 'tok_visa_4242' },
      },
    });
    // Only its own account is looked at (once, then remembered: owner, type and currency never change).
    const about = askedSince(before).flatMap((q) => (q.type === 'GetAccount' ? [q.accountId] : []));
    expect(about.every((id) => id === ALICE)).toBe(true);
  });

  it('hashes the funding: the same key with another instrument is another request', async () => {
    const key = uniqueKey('owner-topup-hash');
    const body = (sourceReference: string) => ({
      idempotencyKey: key,
      destinationAccountId: ALICE,
      amount: '5.00',
      currency: 'USD',
      funding: { method: 'card', sourceReference },
    });
    await post('/api/v1/transactions/topup', body('tok_first_01'), KEYS.alice);
    await post(
      '/api/v1/transactions/topup',
      { ...body('tok_other_02'), idempotencyKey: `${key}-b` },
      KEYS.alice,
    );
    const [first, second] = [await commandFor(key), await commandFor(`${key}-b`)];
    expect(first.data.requestHash).not.toBe(second.data.requestHash);
  });

  it('refuses an owner naming the source of a top-up with 403, and emits nothing', async () => {
    const key = uniqueKey('owner-topup-source');
    const res = await post(
      '/api/v1/transactions/topup',
      {
        idempotencyKey: key,
        sourceAccountId: BANK,
        destinationAccountId: ALICE,
        amount: '5.00',
        currency: 'USD',
      },
      KEYS.alice,
    );
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({ code: 'AUTH.FORBIDDEN' });
    expect(res.body.detail).toContain('may not name the account a top-up comes from');
    expect(emitted(key)).toBe(false);
  });

  it("posts an admin's top-up from the EXTERNAL account it names", async () => {
    const key = uniqueKey('admin-topup');
    const res = await post(
      '/api/v1/transactions/topup',
      {
        idempotencyKey: key,
        sourceAccountId: BANK,
        destinationAccountId: ALICE,
        amount: '5.00',
        currency: 'USD',
      },
      KEYS.admin,
    );
    expect(res.status).toBe(202);
    expect((await commandFor(key)).data).toMatchObject({ sourceAccountId: BANK, funding: null });
  });

  it("refuses an admin's top-up from a USER account at the edge", async () => {
    const key = uniqueKey('admin-topup-user');
    const res = await post(
      '/api/v1/transactions/topup',
      {
        idempotencyKey: key,
        sourceAccountId: BOB,
        destinationAccountId: ALICE,
        amount: '5.00',
        currency: 'USD',
      },
      KEYS.admin,
    );
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('ACCOUNT.TYPE_NOT_ALLOWED');
    expect(emitted(key)).toBe(false);
  });
});

describe('owners cannot probe accounts they do not own', () => {
  it("answers an owner's top-up of another owner's account exactly like one of a missing account", async () => {
    const attempt = async (destinationAccountId: string) => {
      const res = await post(
        '/api/v1/transactions/topup',
        {
          idempotencyKey: uniqueKey('probe'),
          destinationAccountId,
          amount: '5.00',
          currency: 'USD',
          funding: { method: 'card', sourceReference: 'tok_visa_4242' },
        },
        KEYS.mallory,
      );
      return {
        status: res.status,
        code: res.body.code,
        detail: String(res.body.detail).replace(destinationAccountId, '<id>'),
      };
    };
    const others = await attempt(ALICE);
    expect(others).toEqual({ status: 404, code: 'ACCOUNT.NOT_FOUND', detail: 'account <id> does not exist' });
    expect(await attempt(MISSING)).toEqual(others);
  });

  it("never asks about the other party of an owner's transfer, and leaves it to the ledger", async () => {
    // Bob's account is EXTERNAL and holds EUR: telling alice so would reveal it. The ledger refuses it.
    const key = uniqueKey('transfer-probe');
    const before = asked.length;
    const res = await post(
      '/api/v1/transactions/transfer',
      {
        idempotencyKey: key,
        sourceAccountId: ALICE,
        destinationAccountId: BOB_EXTERNAL,
        amount: '5.00',
        currency: 'USD',
      },
      KEYS.alice,
    );
    expect(res.status).toBe(202);
    expect((await commandFor(key)).data).toMatchObject({ destinationAccountId: BOB_EXTERNAL });
    const about = askedSince(before).flatMap((q) => (q.type === 'GetAccount' ? [q.accountId] : []));
    expect(about).not.toContain(BOB_EXTERNAL);
    expect(about.every((id) => id === ALICE)).toBe(true);
  });

  it("still checks the owner's own account: type and currency of what it owns", async () => {
    const res = await post(
      '/api/v1/transactions/transfer',
      {
        idempotencyKey: uniqueKey('own-currency'),
        sourceAccountId: ALICE_EUR,
        destinationAccountId: BOB,
        amount: '5.00',
        currency: 'USD',
      },
      KEYS.alice,
    );
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('CURRENCY.MISMATCH');
  });

  it('gives admins the full check of both parties', async () => {
    const res = await post(
      '/api/v1/transactions/transfer',
      {
        idempotencyKey: uniqueKey('admin-transfer'),
        sourceAccountId: ALICE,
        destinationAccountId: BOB_EXTERNAL,
        amount: '5.00',
        currency: 'USD',
      },
      KEYS.admin,
    );
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      code: 'ACCOUNT.TYPE_NOT_ALLOWED',
      detail: 'a transfer may not pay into a EXTERNAL account',
    });
  });
});

describe('idempotency', () => {
  it('answers "1.5" as the same request as the stored "1.50", and another amount as a reused key', async () => {
    const key = uniqueKey('canonical');
    const body = (amount: string) => ({
      idempotencyKey: key,
      sourceAccountId: ALICE,
      destinationAccountId: BOB,
      amount,
      currency: 'USD',
    });
    const first = await post('/api/v1/transactions/transfer', body('1.50'), KEYS.alice);
    expect(first.status).toBe(202);
    const command = await commandFor(key);
    const stored = aSummaryOf(command, { status: 'completed', amount: '1.50' });
    const before = asked.length;
    // The repeat is the same request to the orchestrator (the same hash), which answers it with the
    // transaction as it stands; the read side is not asked.
    const again = post('/api/v1/transactions/transfer', body('1.5'), KEYS.alice, { prefer: 'wait=20' });
    const repeat = await waitFor('the repeated command', () =>
      probe
        .parsed<Command>(topicName('transactionCommands', prefix))
        .find((m) => m.data.idempotencyKey === key && m.messageId !== command.messageId),
    );
    expect(repeat.data.requestHash).toBe(command.data.requestHash);
    await publishTransactionEvent(
      TransactionRequestReplayed,
      { requestHash: repeat.data.requestHash, transaction: stored },
      repeat,
      stored.transactionId,
    );
    const answered = await again;
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ transactionId: stored.transactionId, status: 'completed' });
    // A replay is answered with the documented summary (found by the fuzzer).
    expect(Object.keys(answered.body).sort()).toEqual(Object.keys(stored).sort());
    expect(askedSince(before).filter((q) => q.type === 'GetTransaction')).toEqual([]);

    const other = post('/api/v1/transactions/transfer', body('1.51'), KEYS.alice, { prefer: 'wait=20' });
    const conflicting = await waitFor('the conflicting command', () =>
      probe
        .parsed<Command>(topicName('transactionCommands', prefix))
        .find((m) => m.data.idempotencyKey === key && m.data.amount === '1.51'),
    );
    expect(conflicting.data.requestHash).not.toBe(command.data.requestHash);
    await publishTransactionEvent(
      TransactionRequestRejected,
      {
        transactionId: stored.transactionId,
        requestHash: conflicting.data.requestHash,
        code: 'IDEMPOTENCY.KEY_REUSED',
        detail: 'this idempotency key was used for a different request',
      },
      conflicting,
      stored.transactionId,
    );
    const refused = await other;
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('IDEMPOTENCY.KEY_REUSED');
  });

  it("does not take another request's events for its answer before the orchestrator answered it", async () => {
    const key = uniqueKey('race');
    const pending = post(
      '/api/v1/transactions/transfer',
      {
        idempotencyKey: key,
        sourceAccountId: ALICE,
        destinationAccountId: BOB,
        amount: '2.00',
        currency: 'USD',
      },
      KEYS.alice,
      { prefer: 'wait=20' },
    );
    const command = await commandFor(key);
    const summary = aSummaryOf(command, { status: 'pending' });
    // Another request took the key first: its acceptance and completion are not this request's answer.
    await publishTransactionEvent(TransactionAccepted, summary, null, summary.transactionId);
    await publishTransactionEvent(
      TransactionFailed,
      { ...summary, status: 'failed', reason: { code: 'ACCOUNT.INSUFFICIENT_FUNDS', detail: 'no' } },
      null,
      summary.transactionId,
    );
    await publishTransactionEvent(
      TransactionRequestRejected,
      {
        transactionId: summary.transactionId,
        requestHash: command.data.requestHash,
        code: 'IDEMPOTENCY.KEY_REUSED',
        detail: 'this idempotency key was used for a different request',
      },
      command,
      summary.transactionId,
    );
    const res = await pending;
    expect(res.status).toBe(409);
  });
});

describe('waiting clients (Prefer: wait)', () => {
  it('answers 202 with the needs_attention view and its reason: not final, but the last word for a while', async () => {
    const key = uniqueKey('attention');
    const pending = post(
      '/api/v1/transactions/withdraw',
      {
        idempotencyKey: key,
        sourceAccountId: ALICE,
        destinationAccountId: BANK,
        amount: '7.00',
        currency: 'USD',
      },
      KEYS.alice,
      { prefer: 'wait=20' },
    );
    const command = await commandFor(key);
    const reason = {
      code: 'SAGA.CAPTURE_FAILED' as const,
      detail: 'the provider paid; the capture was refused',
    };
    const accepted = aSummaryOf(command, { type: 'withdrawal' });
    await publishTransactionEvent(TransactionAccepted, accepted, command, accepted.transactionId);
    await publishTransactionEvent(
      TransactionNeedsAttention,
      { ...accepted, status: 'needs_attention', reason },
      null,
      accepted.transactionId,
    );
    const res = await pending;
    expect(res.status).toBe(202);
    expect(res.headers.get('preference-applied')).toBe('wait=20');
    expect(res.body).toMatchObject({ status: 'needs_attention', reason });
  });

  it("names no account of others in the answer to an owner's refused refund of someone else's payment", async () => {
    const payment = uuidv7();
    const key = uniqueKey('refund-stranger');
    const pending = post(
      '/api/v1/transactions/refund',
      { idempotencyKey: key, originalPaymentId: payment, amount: '3.00', currency: 'USD' },
      KEYS.mallory,
      { prefer: 'wait=20' },
    );
    const command = await commandFor(key);
    // The orchestrator knew the payment (bob paid alice) and refused mallory, naming its parties.
    const refused = aSummaryOf(command, {
      type: 'refund',
      status: 'failed',
      sourceAccountId: ALICE,
      destinationAccountId: BOB,
      originalTransactionId: payment,
      reason: { code: 'AUTH.FORBIDDEN', detail: 'only the merchant of the payment may refund it' },
    });
    await publishTransactionEvent(TransactionFailed, refused, command, refused.transactionId);
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'failed',
      sourceAccountId: payment,
      destinationAccountId: payment,
    });
    expect(JSON.stringify(res.body)).not.toContain(ALICE);
    expect(JSON.stringify(res.body)).not.toContain(BOB);
  });
});
