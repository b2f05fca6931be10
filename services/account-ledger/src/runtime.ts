import { HybridLogicalClock } from '@billing/contracts/hlc';
import { kafkaSecurity } from '@billing/platform/kafka';
import type { Logger } from '@billing/platform/logger';
import { consume, Worker } from '@billing/platform/worker';
import type { LedgerConfig } from './config';
import { holdExpirySweep } from './holds/expiry-sweep';
import { countLedgerOutcomes } from './metrics/ledger-metrics';
import { migrations } from './migrations';
import { handleAccountCommands } from './account-commands/account-commands.handler';
import { handleLedgerCommands } from './ledger-commands/ledger-commands.handler';
import { handleRepairRequests, REPUBLISHES_TABLE } from './republish/republish.handler';
import type { LedgerDeps } from './shared/ledger-deps';

/** Advisory lock id of the ledger's outbox relay ("LEDG" in ASCII). */
const RELAY_LOCK_KEY = 0x4c454447;

/**
 * The ledger's runtime: its database, a batch consumer per command topic and its outbox relay. Built from
 * plain parameters so tests run it in-process against a real broker and database.
 */
export function createLedgerWorker(
  config: LedgerConfig,
  logger: Logger,
  nowMs: () => number = Date.now,
): Worker {
  let deps: LedgerDeps | null = null;
  // One clock per process: consumers and the sweep must not hand out the same HLC stamp twice.
  const ledgerDeps = (): LedgerDeps =>
    (deps ??= {
      knex: worker.knex,
      hlc: new HybridLogicalClock(config.NODE_ID, nowMs),
      nowMs,
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
    });
  const worker: Worker = new Worker({
    settings: {
      service: 'account-ledger',
      databaseUrl: config.DATABASE_URL,
      databasePoolMax: config.DATABASE_POOL_MAX,
      databaseConnectionLifetimeMs: config.DATABASE_CONNECTION_LIFETIME_MS,
      kafkaBrokers: config.KAFKA_BROKERS,
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
      kafkaSecurity: kafkaSecurity(config),
    },
    logger,
    migrations,
    consumerGroup: config.LEDGER_CONSUMER_GROUP,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    batchSizeMax: config.CONSUMER_BATCH_MAX,
    relayLockKey: RELAY_LOCK_KEY,
    published: countLedgerOutcomes,
    deadLetterReplays: { service: 'account-ledger', hlc: () => ledgerDeps().hlc },
    consumers: () => {
      const deps = ledgerDeps();
      return [
        consume({
          topic: 'accountCommands',
          name: 'account-commands',
          handler: (batch) => handleAccountCommands(deps, batch),
        }),
        consume({
          topic: 'ledgerCommands',
          name: 'ledger-commands',
          handler: (batch) => handleLedgerCommands(deps, batch),
        }),
        consume({
          topic: 'ledgerRepairs',
          name: 'ledger-repairs',
          handler: (batch) =>
            handleRepairRequests(
              deps,
              logger,
              {
                minIntervalMs: config.REPUBLISH_MIN_INTERVAL_MS,
                eventsPerBatchMax: config.REPUBLISH_EVENTS_PER_BATCH_MAX,
              },
              batch,
            ),
        }),
      ] as never[];
    },
    // A republish record only rate-limits the next request for its stream: a day is plenty.
    retention: [{ table: REPUBLISHES_TABLE, column: 'republished_at', keepMs: 24 * 3_600_000 }],
    jobs: () => [
      holdExpirySweep(ledgerDeps(), logger, {
        intervalMs: config.HOLD_SWEEP_INTERVAL_MS,
        batchSizeMax: config.HOLD_SWEEP_BATCH_MAX,
      }),
    ],
  });
  return worker;
}
