import { createMessage, type TopicMessage } from '@billing/contracts/catalog';
import type { Actor } from '@billing/contracts/envelope';
import { HybridLogicalClock } from '@billing/contracts/hlc';
import { ChangeAccountStatus, OpenAccount } from '@billing/contracts/messages/accounts';
import type { TransactionSummary } from '@billing/contracts/messages/transactions';
import { topicName, type TopicId } from '@billing/contracts/topics';
import { uuidv7 } from '@billing/contracts/uuid';
import { provision } from '@billing/local-infra/provision';
import { superviseServices, type Supervisor } from '@billing/local-infra/supervisor';
import { dropDatabase } from '@billing/platform/db';
import { createLogger } from '@billing/platform/logger';
import type { Worker } from '@billing/platform/worker';
import {
  startSimulator,
  type RunningSimulator,
  type SimulatorOptions,
} from '@billing/provider-simulator/simulator';
import { serviceKafkaEnv, testEnv } from '@billing/testing/env';
import { uniqueTopicPrefix } from '@billing/testing/infra';
import { connectProducer, TopicProbe } from '@billing/testing/kafka-probe';
import { waitFor } from '@billing/testing/wait';
import type { Producer } from 'kafkajs';
import pg from 'pg';
import { loadConfig } from '../src/config';
import { createSagaWorker } from '../src/runtime';

export const admin: Actor = { kind: 'admin', id: 'admin-1' };
type TransactionEvent = { type: string; data: TransactionSummary };

/**
 * The orchestrator in-process against the real ledger (a separate process, as in production), the real
 * broker and PostgreSQL, and the provider simulator, with a topic prefix and databases of its own.
 */
export class SagaHarness {
  readonly prefix: string;
  readonly hlc = new HybridLogicalClock('test');
  saga!: Worker;
  ledger!: Supervisor;
  simulator!: RunningSimulator;
  producer!: Producer;
  probe!: TopicProbe;
  private urls: Record<string, string> = {};

  constructor(label: string) {
    this.prefix = uniqueTopicPrefix(label);
  }

  async start(simulator: SimulatorOptions, sagaEnv: Record<string, string>): Promise<void> {
    const env = testEnv();
    const suffix = `_${this.prefix.replace(/[^a-z0-9]/g, '_').slice(0, 30)}`;
    this.urls = await provision({
      kafkaBrokers: env.kafkaBrokers,
      kafkaSecurity: env.kafkaSecurity,
      databaseServerUrl: env.databaseUrl,
      topicPrefix: this.prefix,
      databaseSuffix: suffix,
    });
    this.simulator = await startSimulator(simulator);
    const common = {
      KAFKA_BROKERS: env.kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: this.prefix,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
    };
    this.ledger = superviseServices(
      [
        {
          name: 'account-ledger',
          env: {
            ...common,
            ...serviceKafkaEnv('account-ledger'),
            PORT: '0',
            LOG_LEVEL: 'warn',
            DATABASE_URL: this.urls['account-ledger']!,
          },
        },
      ],
      { color: false, baseEnv: { PATH: process.env.PATH ?? '' }, onLine: () => {} },
    );
    this.saga = createSagaWorker(
      loadConfig({
        ...common,
        ...serviceKafkaEnv('saga-orchestrator'),
        DATABASE_URL: this.urls['saga-orchestrator']!,
        PROVIDER_URL: this.simulator.url,
        BILL_PROVIDERS: 'ekedc',
        SETTLEMENT_CURRENCIES: 'USD',
        ...sagaEnv,
      }),
      createLogger('saga-orchestrator', 'warn'),
    );
    await this.saga.start();
    this.producer = await connectProducer(env.kafkaBrokers);
    this.probe = new TopicProbe(env.kafkaBrokers, [
      this.topic('transactionEvents'),
      this.topic('ledgerEvents'),
    ]);
    await this.probe.start();
  }

  async stop(): Promise<void> {
    await this.probe?.stop();
    await this.producer?.disconnect();
    await this.saga?.stop();
    await this.ledger?.stop();
    await this.simulator?.close();
    for (const url of Object.values(this.urls)) await dropDatabase(url);
  }

  /** Reads the ledger's database directly, as an operator would, to check what it applied. */
  async ledgerQuery<T>(sql: string, params: unknown[]): Promise<T[]> {
    const client = new pg.Client({ connectionString: this.urls['account-ledger'] });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  topic(id: TopicId): string {
    return topicName(id, this.prefix);
  }

  meta(actor: Actor = admin) {
    return { actor, hlc: this.hlc.now(), causedBy: null, nowMs: Date.now() };
  }

  async openAccount(
    type: 'USER' | 'EXTERNAL' | 'SYSTEM',
    ownerId: string,
    currency = 'USD',
  ): Promise<string> {
    const accountId = uuidv7();
    const command = createMessage(
      OpenAccount,
      { accountId, ownerId, ownerType: 'user', type, currency },
      this.meta(),
    );
    await this.producer.send({
      topic: this.topic('accountCommands'),
      messages: [{ key: accountId, value: JSON.stringify(command) }],
    });
    await waitFor(
      `account ${accountId}`,
      () =>
        this.probe
          .parsed<{ type: string; data: { accountId?: string } }>(this.topic('ledgerEvents'))
          .find((e) => e.type === 'AccountOpened' && e.data.accountId === accountId),
      { timeoutMs: 30_000 },
    );
    return accountId;
  }

  /** Suspends, reactivates or closes an account, as an admin would, and waits for the ledger's answer. */
  async changeStatus(accountId: string, status: 'active' | 'suspended' | 'closed'): Promise<void> {
    const command = createMessage(ChangeAccountStatus, { accountId, status, reason: 'test' }, this.meta());
    await this.producer.send({
      topic: this.topic('accountCommands'),
      messages: [{ key: accountId, value: JSON.stringify(command) }],
    });
    await waitFor(
      `status ${status} of ${accountId}`,
      () =>
        this.probe
          .parsed<{
            type: string;
            causationId?: string | null;
            data: { accountId?: string; status?: string };
          }>(this.topic('ledgerEvents'))
          .find(
            (e) =>
              e.type === 'AccountStatusChanged' && e.data.accountId === accountId && e.data.status === status,
          ),
      { timeoutMs: 30_000 },
    );
  }

  /**
   * Another orchestrator instance in the same consumer group, sharing the database: partitions (and so
   * concurrent sagas) are spread over both, as with several replicas.
   */
  async startReplica(sagaEnv: Record<string, string>): Promise<Worker> {
    const env = testEnv();
    const replica = createSagaWorker(
      loadConfig({
        ...serviceKafkaEnv('saga-orchestrator'),
        KAFKA_TOPIC_PREFIX: this.prefix,
        KAFKA_SESSION_TIMEOUT_MS: '6000',
        DATABASE_URL: this.urls['saga-orchestrator']!,
        PROVIDER_URL: this.simulator.url,
        BILL_PROVIDERS: 'ekedc',
        SETTLEMENT_CURRENCIES: 'USD',
        NODE_ID: 'saga-2',
        ...sagaEnv,
      }),
      createLogger('saga-orchestrator', 'warn'),
    );
    await replica.start();
    return replica;
  }

  /** Sends a client request to the orchestrator, as the gateway would. */
  async request(message: TopicMessage<'transactionCommands'>): Promise<void> {
    await this.producer.send({
      topic: this.topic('transactionCommands'),
      messages: [{ key: message.data.transactionId, value: JSON.stringify(message) }],
    });
  }

  events(transactionId: string): TransactionEvent[] {
    return this.probe
      .parsed<TransactionEvent>(this.topic('transactionEvents'))
      .filter((e) => e.data.transactionId === transactionId);
  }

  /** The first event of this type for the transaction. */
  event(transactionId: string, type: string, timeoutMs = 30_000): Promise<TransactionEvent> {
    return waitFor(
      `${type} of ${transactionId}`,
      () => this.events(transactionId).find((e) => e.type === type),
      { timeoutMs },
    );
  }

  /** The transaction's final event (completed, failed or reversed). */
  final(transactionId: string, timeoutMs = 30_000): Promise<TransactionEvent> {
    return waitFor(
      `final event of ${transactionId}`,
      () =>
        this.events(transactionId).find((e) =>
          ['TransactionCompleted', 'TransactionFailed', 'TransactionReversed'].includes(e.type),
        ),
      { timeoutMs },
    );
  }

  /** An account's balance as the ledger announced it last (from its postings). */
  balance(accountId: string): string | undefined {
    let latest: { v: number; b: string } | undefined;
    for (const e of this.probe.parsed<{
      type: string;
      data: { postings?: { accountId: string; balanceAfter: string; streamVersion: number }[] };
    }>(this.topic('ledgerEvents'))) {
      for (const p of e.data.postings ?? []) {
        if (p.accountId === accountId && (!latest || p.streamVersion > latest.v))
          latest = { v: p.streamVersion, b: p.balanceAfter };
      }
    }
    return latest?.b;
  }
}
