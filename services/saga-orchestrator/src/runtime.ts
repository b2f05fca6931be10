import { HybridLogicalClock } from '@billing/contracts/hlc';
import type { Logger } from '@billing/platform/logger';
import { consume, Worker } from '@billing/platform/worker';
import type { SagaConfig } from './config';
import { migrations } from './migrations';
import type { SagaDeps } from './saga/apply-decision';
import { handleLedgerEvents, handleTransactionCommands } from './saga/handlers';

/** Advisory lock id of the orchestrator's outbox relay ("SAGA" in ASCII). */
const RELAY_LOCK_KEY = 0x53414741;

/** The orchestrator's consumers (client requests, ledger outcomes) and its outbox relay. */
export function createSagaWorker(config: SagaConfig, logger: Logger, nowMs: () => number = Date.now): Worker {
  const worker: Worker = new Worker({
    settings: {
      service: 'saga-orchestrator',
      databaseUrl: config.DATABASE_URL,
      databasePoolMax: config.DATABASE_POOL_MAX,
      kafkaBrokers: config.KAFKA_BROKERS,
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
    },
    logger,
    migrations,
    consumerGroup: config.SAGA_CONSUMER_GROUP,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    relayLockKey: RELAY_LOCK_KEY,
    consumers: () => {
      const deps: SagaDeps = {
        knex: worker.knex,
        hlc: new HybridLogicalClock(config.NODE_ID, nowMs),
        nowMs,
        topicPrefix: config.KAFKA_TOPIC_PREFIX,
        logger,
      };
      return [
        consume({
          topic: 'transactionCommands',
          name: 'transaction-commands',
          handler: (b) => handleTransactionCommands(deps, b),
        }),
        consume({
          topic: 'ledgerEvents',
          name: 'ledger-events',
          handler: (b) => handleLedgerEvents(deps, b),
        }),
      ] as never[];
    },
  });
  return worker;
}
