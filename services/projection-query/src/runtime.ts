import type { Logger } from '@billing/platform/logger';
import { consume, Worker } from '@billing/platform/worker';
import type { ProjectionConfig } from './config';
import { handleLedgerEvents, handleTransactionEvents } from './handlers';
import { migrations } from './migrations';

/** The projection's consumers: every ledger and transaction event folded into read models. No outbox. */
export function createProjectionWorker(config: ProjectionConfig, logger: Logger): Worker {
  const worker: Worker = new Worker({
    settings: {
      service: 'projection-query',
      databaseUrl: config.DATABASE_URL,
      databasePoolMax: config.DATABASE_POOL_MAX,
      kafkaBrokers: config.KAFKA_BROKERS,
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
    },
    logger,
    migrations,
    consumerGroup: config.PROJECTION_CONSUMER_GROUP,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    relayLockKey: null,
    consumers: () =>
      [
        consume({
          topic: 'ledgerEvents',
          name: 'ledger-events',
          handler: (b) => handleLedgerEvents(worker.knex, b),
        }),
        consume({
          topic: 'transactionEvents',
          name: 'transaction-events',
          handler: (b) => handleTransactionEvents(worker.knex, b),
        }),
      ] as never[],
  });
  return worker;
}
