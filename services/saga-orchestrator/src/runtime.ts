import { HybridLogicalClock } from '@billing/contracts/hlc';
import { topicName } from '@billing/contracts/topics';
import { kafkaSecurity } from '@billing/platform/kafka';
import { beforeScrape } from '@billing/platform/metrics';
import type { Logger } from '@billing/platform/logger';
import { consume, Worker } from '@billing/platform/worker';
import type { SagaConfig } from './config';
import { migrations } from './migrations';
import type { SagaDeps } from './saga/apply-decision';
import { handleSagaInputs } from './saga/handlers';
import { SagaMetricsRegistry } from './metrics/saga-metrics';
import { openProviderAccounts } from './settlement';
import { sagaTaskRunner } from './tasks/task-runner';

/** Advisory lock id of the orchestrator's outbox relay ("SAGA" in ASCII). */
const RELAY_LOCK_KEY = 0x53414741;

/** The orchestrator: consumers (client requests, ledger outcomes), the task runner and the outbox relay. */
export function createSagaWorker(
  config: SagaConfig,
  logger: Logger,
  nowMs: () => number = Date.now,
  metrics: SagaMetricsRegistry = new SagaMetricsRegistry(),
): Worker {
  let deps: SagaDeps | null = null;
  const topics = {
    transactionCommands: topicName('transactionCommands', config.KAFKA_TOPIC_PREFIX),
    ledgerEvents: topicName('ledgerEvents', config.KAFKA_TOPIC_PREFIX),
  };
  // One clock per process: consumers and the task runner must not hand out the same HLC stamp twice.
  const sagaDeps = (): SagaDeps =>
    (deps ??= {
      knex: worker.knex,
      hlc: new HybridLogicalClock(config.NODE_ID, nowMs),
      nowMs,
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
      logger,
      settings: {
        holdTtlMs: config.HOLD_TTL_MS,
        stepDeadlineMs: config.STEP_DEADLINE_MS,
        stepResendsMax: config.STEP_RESENDS_MAX,
        providerAttemptsMax: config.PROVIDER_ATTEMPTS_MAX,
        providerBackoffMs: config.PROVIDER_BACKOFF_MS,
        providerBackoffMaxMs: config.PROVIDER_BACKOFF_MAX_MS,
        voidAttemptsMax: config.VOID_ATTEMPTS_MAX,
        captureRetriesMax: config.CAPTURE_RETRIES_MAX,
        billProviders: config.BILL_PROVIDERS,
        providerCurrencies: config.SETTLEMENT_CURRENCIES,
        fundingProvider: config.FUNDING_PROVIDER,
      },
      metrics,
    });
  const worker: Worker = new Worker({
    settings: {
      service: 'saga-orchestrator',
      databaseUrl: config.DATABASE_URL,
      databasePoolMax: config.DATABASE_POOL_MAX,
      databaseConnectionLifetimeMs: config.DATABASE_CONNECTION_LIFETIME_MS,
      kafkaBrokers: config.KAFKA_BROKERS,
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
      kafkaSecurity: kafkaSecurity(config),
    },
    logger,
    migrations,
    consumerGroup: config.SAGA_CONSUMER_GROUP,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    batchSizeMax: config.CONSUMER_BATCH_MAX,
    relayLockKey: RELAY_LOCK_KEY,
    published: (rows) => metrics.published(rows),
    // Nothing sends an orchestrator row twice (the ledger's events are what gets republished), and at
    // three rows per transfer a day of kept rows would be most of this database.
    publishedRows: 'delete',
    // Finished tasks are history once their saga moved on; a day is kept for operators.
    retention: [{ table: 'saga_tasks', column: 'done_at', keepMs: 24 * 3_600_000 }],
    deadLetterReplays: { service: 'saga-orchestrator', hlc: () => sagaDeps().hlc },
    consumers: () =>
      [
        // Requests and ledger outcomes in one group: a fetch of both is one transaction (handlers.ts).
        consume({
          topic: ['transactionCommands', 'ledgerEvents'],
          name: 'workflows',
          handler: (b) => handleSagaInputs(sagaDeps(), topics, b),
          formerNames: [
            { name: 'transaction-commands', topic: 'transactionCommands' },
            { name: 'ledger-events', topic: 'ledgerEvents' },
          ],
        }),
      ] as never[],
    jobs: () => [
      scrapeJob(() => metrics.collect(worker.knex)),
      {
        start: () =>
          void openProviderAccounts(
            sagaDeps(),
            config.BILL_PROVIDERS,
            config.FUNDING_PROVIDER,
            config.SETTLEMENT_CURRENCIES,
          ).catch((err) => logger.error({ err }, 'opening settlement accounts failed')),
        stop: async () => {},
      },
      sagaTaskRunner(sagaDeps(), logger, {
        databaseUrl: config.DATABASE_URL,
        provider: { baseUrl: config.PROVIDER_URL, timeoutMs: config.PROVIDER_TIMEOUT_MS },
        pollIntervalMs: config.TASK_POLL_INTERVAL_MS,
        batchSizeMax: config.TASK_BATCH_MAX,
      }),
    ],
  });
  return worker;
}

/** Reads the orchestrator's database-backed gauges at each scrape while the worker runs. */
function scrapeJob(collect: () => Promise<void>): { start(): void; stop(): Promise<void> } {
  let unregister: (() => void) | null = null;
  return {
    start: () => {
      unregister = beforeScrape(collect);
    },
    stop: async () => {
      unregister?.();
    },
  };
}
