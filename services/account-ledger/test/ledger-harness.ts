import { createMessage } from '@billing/contracts/catalog';
import type { Actor } from '@billing/contracts/envelope';
import { HybridLogicalClock } from '@billing/contracts/hlc';
import { OpenAccount } from '@billing/contracts/messages/accounts';
import { PostEntry } from '@billing/contracts/messages/ledger';
import { topicName, type TopicId } from '@billing/contracts/topics';
import { uuidv7 } from '@billing/contracts/uuid';
import { createLogger } from '@billing/platform/logger';
import type { Worker } from '@billing/platform/worker';
import { serviceKafkaEnv, testEnv } from '@billing/testing/env';
import { createTestDatabase, createTopics, uniqueTopicPrefix } from '@billing/testing/infra';
import { connectProducer, TopicProbe } from '@billing/testing/kafka-probe';
import { waitFor } from '@billing/testing/wait';
import type { Producer } from 'kafkajs';
import { loadConfig, type LedgerConfig } from '../src/config';
import { createLedgerWorker } from '../src/runtime';
import { formatReport } from '../src/verify/format-report';
import { verifyLedger } from '../src/verify/verify-ledger';

const admin: Actor = { kind: 'admin', id: 'admin-1' };

export interface LedgerEvent {
  type: string;
  data: Record<string, unknown> & { transactionId?: string | null; code?: string };
}

/**
 * A ledger under test: its own database and topic prefix on the real broker, a producer to send it
 * commands, and a probe reading everything it publishes.
 */
export class LedgerHarness {
  readonly prefix: string;
  readonly hlc = new HybridLogicalClock('test');
  config!: LedgerConfig;
  workers: Worker[] = [];
  producer!: Producer;
  probe!: TopicProbe;
  private db!: { url: string; drop(): Promise<void> };

  constructor(label: string) {
    this.prefix = uniqueTopicPrefix(label);
  }

  async start(instances = 1, overrides: Record<string, string> = {}): Promise<void> {
    const env = testEnv();
    await createTopics(env.kafkaBrokers, this.prefix);
    this.db = await createTestDatabase(env.databaseUrl, 'ledger');
    this.config = loadConfig({
      DATABASE_URL: this.db.url,
      ...serviceKafkaEnv('account-ledger'),
      KAFKA_TOPIC_PREFIX: this.prefix,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      ...overrides,
    });
    this.producer = await connectProducer(env.kafkaBrokers);
    this.probe = new TopicProbe(env.kafkaBrokers, [this.topic('ledgerEvents'), this.topic('deadLetter')]);
    await this.probe.start();
    for (let i = 0; i < instances; i++) await this.addWorker(`ledger-${i + 1}`);
  }

  async addWorker(nodeId: string): Promise<Worker> {
    const worker = createLedgerWorker(
      { ...this.config, NODE_ID: nodeId },
      createLogger('account-ledger', 'warn'),
    );
    await worker.start();
    this.workers.push(worker);
    return worker;
  }

  get knex() {
    return this.workers[0]!.knex;
  }

  /**
   * Stops everything; before the database is dropped, the ledger it leaves must pass every invariant
   * check of `ledger:verify`.
   */
  async stop(): Promise<void> {
    await this.probe?.stop();
    await this.producer?.disconnect();
    const report = this.workers.length > 0 ? await verifyLedger(this.knex) : null;
    for (const w of this.workers) await w.stop();
    await this.db?.drop();
    if (report && !report.ok) throw new Error(`ledger:verify found violations:\n${formatReport(report)}`);
  }

  topic(id: TopicId): string {
    return topicName(id, this.prefix);
  }

  meta(actor: Actor = admin) {
    return { actor, hlc: this.hlc.now(), causedBy: null, nowMs: Date.now() };
  }

  async send(
    topic: 'accountCommands' | 'ledgerCommands',
    messages: { key: string; value: object }[],
  ): Promise<void> {
    await this.producer.send({
      topic: this.topic(topic),
      acks: -1,
      messages: messages.map((m) => ({ key: m.key, value: JSON.stringify(m.value) })),
    });
  }

  events(type?: string): LedgerEvent[] {
    const all = this.probe.parsed<LedgerEvent>(this.topic('ledgerEvents'));
    return type ? all.filter((e) => e.type === type) : all;
  }

  outcomesOf(transactionIds: ReadonlySet<string>): LedgerEvent[] {
    return this.events().filter(
      (e) =>
        (e.type === 'EntryPosted' || e.type === 'CommandRejected') &&
        transactionIds.has(e.data.transactionId ?? ''),
    );
  }

  /** Opens an account through the ledger and waits for its AccountOpened. */
  async openAccount(
    type: 'USER' | 'EXTERNAL' | 'SYSTEM',
    ownerId: string,
    currency = 'USD',
  ): Promise<string> {
    const accountId = uuidv7();
    await this.send('accountCommands', [
      {
        key: accountId,
        value: createMessage(
          OpenAccount,
          { accountId, ownerId, ownerType: 'user', type, currency },
          this.meta(),
        ),
      },
    ]);
    await waitFor(`account ${accountId} opened`, () =>
      this.events('AccountOpened').find((e) => e.data.accountId === accountId),
    );
    return accountId;
  }

  postEntry(
    transactionType: 'topup' | 'withdrawal' | 'transfer',
    from: string,
    to: string,
    amount: string,
    transactionId = uuidv7(),
  ) {
    return createMessage(
      PostEntry,
      {
        commandId: uuidv7(),
        transactionId,
        transactionType,
        step: 'post',
        currency: 'USD',
        postings: [
          { accountId: from, side: 'debit', amount },
          { accountId: to, side: 'credit', amount },
        ],
      },
      this.meta(),
    );
  }

  async balanceOf(accountId: string): Promise<{ balance: string; held: string }> {
    return this.knex('accounts').where({ id: accountId }).first('balance', 'held');
  }
}
