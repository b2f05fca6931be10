import { createMessage } from '@billing/contracts/catalog';
import { HybridLogicalClock } from '@billing/contracts/hlc';
import { OpenAccount } from '@billing/contracts/messages/accounts';
import { PostEntry } from '@billing/contracts/messages/ledger';
import { RepublishAccountEvents } from '@billing/contracts/messages/repairs';
import { formatDecimal } from '@billing/contracts/money';
import { topicName } from '@billing/contracts/topics';
import { uuidv7 } from '@billing/contracts/uuid';
import { replayHandler } from '@billing/platform/dead-letter-replay';
import { createKafka } from '@billing/platform/kafka';
import { createLogger } from '@billing/platform/logger';
import { adminSecurity, serviceKafkaEnv, testEnv } from '@billing/testing/env';
import { createTestDatabase, createTopics, uniqueTopicPrefix } from '@billing/testing/infra';
import { connectProducer, TopicProbe } from '@billing/testing/kafka-probe';
import { waitFor } from '@billing/testing/wait';
import type { Worker } from '@billing/platform/worker';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin } from '../test/builders';
import { asConsumed, fixturesConsumedBy } from '@billing/testing/contract';
import { loadConfig } from './config';
import { formatReport } from './verify/format-report';
import { verifyLedger } from './verify/verify-ledger';
import { handleAccountCommands } from './account-commands/account-commands.handler';
import { handleLedgerCommands } from './ledger-commands/ledger-commands.handler';
import { handleRepairRequests } from './republish/republish.handler';
import { createLedgerWorker } from './runtime';

const env = testEnv();
const prefix = uniqueTopicPrefix('ledger');
const hlc = new HybridLogicalClock('test');
let db: { url: string; drop(): Promise<void> };
let runtime: Worker;
let producer: Producer;
let probe: TopicProbe;

const silentLogger = createLogger('account-ledger', 'warn');
const REPUBLISH_SETTINGS = { minIntervalMs: 60_000, eventsPerBatchMax: 1000 };
const meta = () => ({ actor: admin, hlc: hlc.now(), causedBy: null, nowMs: Date.now() });

async function send(
  topic: 'accountCommands' | 'ledgerCommands',
  key: string,
  message: object,
): Promise<void> {
  await producer.send({
    topic: topicName(topic, prefix),
    acks: -1,
    messages: [{ key, value: JSON.stringify(message) }],
  });
}

function eventsOf(type: string) {
  return probe
    .parsed<{ type: string; data: Record<string, unknown> }>(topicName('ledgerEvents', prefix))
    .filter((e) => e.type === type);
}

beforeAll(async () => {
  await createTopics(env.kafkaBrokers, prefix);
  db = await createTestDatabase(env.databaseUrl, 'ledger');
  const config = loadConfig({
    DATABASE_URL: db.url,
    ...serviceKafkaEnv('account-ledger'),
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_SESSION_TIMEOUT_MS: '6000',
  });
  runtime = createLedgerWorker(config, createLogger('account-ledger', 'warn'));
  await runtime.start();
  producer = await connectProducer(env.kafkaBrokers);
  probe = new TopicProbe(env.kafkaBrokers, [
    topicName('ledgerEvents', prefix),
    topicName('deadLetter', prefix),
  ]);
  await probe.start();
});

afterAll(async () => {
  await probe?.stop();
  await producer?.disconnect();
  const report = await verifyLedger(runtime.knex);
  await runtime?.stop();
  await db?.drop();
  expect(report.ok, formatReport(report)).toBe(true);
});

describe('account-ledger against real Kafka and PostgreSQL', () => {
  const external = uuidv7();
  const user = uuidv7();

  it('opens accounts from OpenAccount commands and announces AccountOpened', async () => {
    for (const [id, type, ownerId] of [
      [external, 'EXTERNAL', 'bank'],
      [user, 'USER', 'alice'],
    ] as const) {
      await send(
        'accountCommands',
        id,
        createMessage(
          OpenAccount,
          { accountId: id, ownerId, ownerType: 'user', type, currency: 'USD' },
          meta(),
        ),
      );
    }
    const opened = await waitFor('two AccountOpened events', () => {
      const events = eventsOf('AccountOpened');
      return events.length >= 2 ? events : undefined;
    });
    expect(opened.map((e) => e.data.accountId).sort()).toEqual([external, user].sort());
  });

  it('posts a balanced entry, and a redelivered command changes nothing', async () => {
    const transactionId = uuidv7();
    const command = createMessage(
      PostEntry,
      {
        commandId: uuidv7(),
        transactionId,
        transactionType: 'topup',
        step: 'post',
        currency: 'USD',
        postings: [
          { accountId: external, side: 'debit', amount: '100.00' },
          { accountId: user, side: 'credit', amount: '100.00' },
        ],
      },
      meta(),
    );
    await send('ledgerCommands', external, command);
    await send('ledgerCommands', external, command); // the same message again: the inbox absorbs it
    // The same step under a new message id, as an orchestrator re-sending after a crash would.
    await send('ledgerCommands', external, { ...command, messageId: uuidv7() });

    const answers = await waitFor('two EntryPosted answers', () => {
      const events = eventsOf('EntryPosted').filter((e) => e.data.transactionId === transactionId);
      return events.length >= 2 ? events : undefined;
    });
    expect(new Set(answers.map((e) => e.data.entryId)).size).toBe(1);

    const balances = await runtime.knex('accounts').whereIn('id', [external, user]).select('id', 'balance');
    const byId = Object.fromEntries(
      balances.map((b: { id: string; balance: string }) => [b.id, formatDecimal(b.balance, 2)]),
    );
    expect(byId).toEqual({ [external]: '-100.00', [user]: '100.00' });
    const entries = await runtime
      .knex('journal_entries')
      .where({ transaction_id: transactionId })
      .count<{ count: string }[]>();
    expect(entries[0]!.count).toBe('1');
    const sums = await runtime.knex('accounts').sum<{ total: string }[]>({ total: 'balance' });
    expect(sums[0]!.total).toMatch(/^0(\.0+)?$/);
  });

  it('answers a refused command with CommandRejected and a stable code', async () => {
    const transactionId = uuidv7();
    await send(
      'ledgerCommands',
      user,
      createMessage(
        PostEntry,
        {
          commandId: uuidv7(),
          transactionId,
          transactionType: 'transfer',
          step: 'post',
          currency: 'USD',
          postings: [
            { accountId: user, side: 'debit', amount: '100.01' },
            { accountId: external, side: 'credit', amount: '100.01' },
          ],
        },
        meta(),
      ),
    );
    const rejected = await waitFor('CommandRejected', () =>
      eventsOf('CommandRejected').find((e) => e.data.transactionId === transactionId),
    );
    expect(rejected.data.code).toBe('ACCOUNT.TYPE_NOT_ALLOWED');
  });

  it('sends a message that does not parse to the dead-letter topic and keeps consuming', async () => {
    await producer.send({
      topic: topicName('ledgerCommands', prefix),
      messages: [{ key: 'k', value: '{"not":"an envelope"}' }],
    });
    const dead = await waitFor('a dead letter', () =>
      probe.messages.find((m) => m.topic === topicName('deadLetter', prefix)),
    );
    expect(dead.headers['dlq-error-code']).toBe('MESSAGE.UNPARSEABLE');
    expect(dead.value).toBe('{"not":"an envelope"}');
  });

  it.each(fixturesConsumedBy('account-ledger'))(
    'handles the $type fixture from $topic (consumer contract)',
    async ({ topic, message }) => {
      const deps = { knex: runtime.knex, hlc, nowMs: Date.now, topicPrefix: prefix };
      const batch = [asConsumed(message)] as never[];
      const handled =
        topic === 'accountCommands'
          ? handleAccountCommands(deps, batch)
          : topic === 'ledgerRepairs'
            ? handleRepairRequests(deps, silentLogger, REPUBLISH_SETTINGS, batch)
            : topic === 'deadLetterReplays'
              ? replayHandler({
                  kafka: createKafka(
                    {
                      brokers: env.kafkaBrokers,
                      clientId: 'contract',
                      topicPrefix: prefix,
                      security: adminSecurity(),
                    },
                    silentLogger,
                  ),
                  producer,
                  logger: silentLogger,
                  service: 'account-ledger',
                  topicPrefix: prefix,
                  targets: [],
                  hlc: () => hlc,
                  sessionTimeoutMs: 10_000,
                })(batch, { topic: 'contract-test', partitions: [0] })
              : handleLedgerCommands(deps, batch);
      await expect(handled).resolves.toBeUndefined();
    },
  );

  it('reports ready once its consumers joined', async () => {
    const checks = await Promise.all(runtime.readiness().map(async (c) => [c.name, (await c.check()).ok]));
    expect(Object.fromEntries(checks)).toEqual({
      database: true,
      kafka: true,
      consumers: true,
      outbox: true,
    });
  });
});

describe("republishing an account stream at the read side's request", () => {
  it('publishes the asked versions again as the original messages, and a repeated request changes nothing', async () => {
    const account = uuidv7();
    await send(
      'accountCommands',
      account,
      createMessage(
        OpenAccount,
        { accountId: account, ownerId: 'carol', ownerType: 'user', type: 'USER', currency: 'USD' },
        meta(),
      ),
    );
    const openedOf = () => eventsOf('AccountOpened').filter((e) => e.data.accountId === account);
    const original = await waitFor('AccountOpened', () => openedOf()[0]);
    const request = (toVersion: number) =>
      createMessage(
        RepublishAccountEvents,
        {
          accountId: account,
          fromVersion: 1,
          toVersion,
          appliedVersion: 0,
          parkedSince: new Date().toISOString(),
        },
        { ...meta(), actor: { kind: 'system', id: 'projection-query' } },
      );
    await producer.send({
      topic: topicName('ledgerRepairs', prefix),
      acks: -1,
      messages: [{ key: account, value: JSON.stringify(request(5)) }],
    });
    const copies = await waitFor('a republished AccountOpened', () =>
      openedOf().length >= 2 ? openedOf() : undefined,
    );
    expect(copies[1]).toEqual(original);

    // Within the interval the same range is not republished again, and a redelivery is not either.
    const deps = { knex: runtime.knex, hlc, nowMs: Date.now, topicPrefix: prefix };
    const again = request(1);
    await handleRepairRequests(deps, silentLogger, REPUBLISH_SETTINGS, [asConsumed(again)] as never[]);
    await handleRepairRequests(deps, silentLogger, REPUBLISH_SETTINGS, [asConsumed(again)] as never[]);
    const queued = await runtime.knex('outbox').whereNull('published_at').count<{ count: string }[]>();
    expect(Number(queued[0]!.count)).toBe(0);
    expect(openedOf()).toHaveLength(2);
  });

  it('refuses a request for more versions than the contract allows as unparseable', () => {
    const parsed = RepublishAccountEvents.schema.safeParse({
      ...createMessage(
        RepublishAccountEvents,
        {
          accountId: uuidv7(),
          fromVersion: 1,
          toVersion: 1,
          appliedVersion: 0,
          parkedSince: new Date().toISOString(),
        },
        meta(),
      ),
      data: {
        accountId: uuidv7(),
        fromVersion: 1,
        toVersion: 1000,
        appliedVersion: 0,
        parkedSince: new Date().toISOString(),
      },
    });
    expect(parsed.success).toBe(false);
  });
});
