import { topicName } from '@billing/contracts/topics';
import { HealthController, READINESS_CHECKS, type ReadinessCheck } from '@billing/platform/health';
import { createKafka, groupName, kafkaSecurity } from '@billing/platform/kafka';
import { createDatabase, type Knex } from '@billing/platform/db';
import { beforeScrape } from '@billing/platform/metrics';
import type { Logger } from '@billing/platform/logger';
import { consume, Worker } from '@billing/platform/worker';
import { Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { Admin } from 'kafkajs';
import { gapRepairJob } from './accounts/gap-repair';
import type { ProjectionConfig } from './config';
import {
  DeadLetterFolder,
  recordReplayOutcomes,
  recordReplayRequests,
} from './dead-letters/dead-letter-folding';
import { readinessDetail, readSideSnapshot, recordReadSide } from './metrics/read-side-metrics';
import { migrations } from './migrations';
import type { QueryDeps } from './queries/answer-query';
import { applyReadModelEvents } from './read-model/apply-events';
import type { ApplyTarget } from './read-model/apply-target';
import { seedGroupFromPositions } from './read-model/seed-group';
import { LIVE_SCHEMA } from './read-model/schema';

/**
 * The consumer groups carry the read-model generation: a migration that recreates the read models bumps
 * it, so the new tables are filled from the start of the (forever retained) event topics.
 */
export const READ_MODEL_GENERATION = 'v2';

/**
 * The live consumer of both event topics (`<group>.read-models.<generation>`). Until the ledger and the
 * transaction events shared one group they had one each (`ledger-events.v2`, `transaction-events.v2`);
 * the new group starts at the stored positions (seed-group.ts), and the old ones can be deleted.
 */
export const READ_MODELS_CONSUMER = `read-models.${READ_MODEL_GENERATION}`;

/** Advisory lock id of the projection's outbox relay ("PROJ" in ASCII). */
const RELAY_LOCK_KEY = 0x50524f4a;

/** The projection service: live consumers into the read models, their health and metrics. */
export class Projection {
  readonly worker: Worker;
  private admin: Admin | null = null;
  private readonly topics: string[];
  /** The broker cluster's id, learnt before consuming: every stored position is checked against it. */
  private clusterId: string | null = null;
  private readonly gapRepair: ReturnType<typeof gapRepairJob>;
  private unregisterMetrics: (() => void) | null = null;
  private deadLetters: DeadLetterFolder | null = null;

  constructor(
    private readonly config: ProjectionConfig,
    private readonly logger: Logger,
    private readonly nowMs: () => number = Date.now,
  ) {
    const target = (): ApplyTarget => ({
      knex: this.worker.knex,
      schema: LIVE_SCHEMA,
      live: true,
      nowMs,
      clusterId: this.clusterId,
    });
    this.reads = createDatabase({
      url: config.DATABASE_URL,
      poolMax: config.QUERY_POOL_MAX,
      applicationName: 'projection-query-reads',
      statementTimeoutMs: config.QUERY_STATEMENT_TIMEOUT_MS,
      connectionLifetimeMs: config.DATABASE_CONNECTION_LIFETIME_MS,
    });
    const eventTopics = {
      ledgerEvents: topicName('ledgerEvents', config.KAFKA_TOPIC_PREFIX),
      transactionEvents: topicName('transactionEvents', config.KAFKA_TOPIC_PREFIX),
    };
    this.topics = [eventTopics.ledgerEvents, eventTopics.transactionEvents];
    this.worker = new Worker({
      settings: {
        service: 'projection-query',
        databaseUrl: config.DATABASE_URL,
        databasePoolMax: config.DATABASE_POOL_MAX,
        databaseConnectionLifetimeMs: config.DATABASE_CONNECTION_LIFETIME_MS,
        kafkaBrokers: config.KAFKA_BROKERS,
        topicPrefix: config.KAFKA_TOPIC_PREFIX,
        kafkaSecurity: kafkaSecurity(config),
      },
      logger,
      migrations,
      consumerGroup: config.PROJECTION_CONSUMER_GROUP,
      sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      batchSizeMax: config.CONSUMER_BATCH_MAX,
      relayLockKey: RELAY_LOCK_KEY,
      jobs: () => [this.gapRepair],
      beforeConsuming: async () => {
        await seedGroupFromPositions({
          admin: this.admin!,
          knex: this.worker.knex,
          schema: LIVE_SCHEMA,
          groupId: groupName(
            config.KAFKA_TOPIC_PREFIX,
            `${config.PROJECTION_CONSUMER_GROUP}.${READ_MODELS_CONSUMER}`,
          ),
          topics: this.topics,
          clusterId: this.clusterId,
          logger,
        });
      },
      consumers: () =>
        [
          // Both event topics in one group: a fetch of both is one transaction (apply-events.ts).
          consume({
            topic: ['ledgerEvents', 'transactionEvents'],
            name: READ_MODELS_CONSUMER,
            handler: (b) => applyReadModelEvents(target(), eventTopics, b),
          }),
          // Which dead letters were asked to be replayed, and what came of it (dead-letters/).
          consume({
            topic: 'deadLetterReplays',
            name: 'dead-letter-replays',
            handler: (b) => recordReplayRequests(this.worker.knex, b),
          }),
          consume({
            topic: 'deadLetterReplayOutcomes',
            name: 'dead-letter-replay-outcomes',
            handler: (b) => recordReplayOutcomes(this.worker.knex, b),
          }),
        ] as never[],
    });
    // Started by the worker after its consumers, so that requests go out once events are applied.
    this.gapRepair = gapRepairJob({
      knex: this.worker.knex,
      schema: LIVE_SCHEMA,
      logger,
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
      nowMs,
      repairAfterMs: config.GAP_REPAIR_AFTER_MS,
      intervalMs: config.GAP_REPAIR_INTERVAL_MS,
      resendBaseMs: config.GAP_REPAIR_RESEND_MS,
      resendMaxMs: 300_000,
    });
  }

  /** Counters of the read side's healing: requests sent, repairs healed, repairs open. */
  get gapRepairs() {
    return this.gapRepair.counters;
  }

  /**
   * The query pool: its own connections, each with the query statement timeout set when it opens, so
   * a balance read is one statement (no transaction to set the timeout in) and no query can hang.
   */
  private readonly reads: Knex;

  get queryDeps(): QueryDeps {
    return {
      knex: this.reads,
      schema: LIVE_SCHEMA,
      nowMs: this.nowMs,
      stuckAfterMs: this.config.STUCK_AFTER_MS,
    };
  }

  async start(): Promise<void> {
    const kafka = createKafka(
      {
        brokers: this.config.KAFKA_BROKERS,
        clientId: 'projection-query-metrics',
        topicPrefix: this.config.KAFKA_TOPIC_PREFIX,
        security: kafkaSecurity(this.config),
      },
      this.logger,
    );
    this.admin = kafka.admin();
    await this.admin.connect();
    this.clusterId = (await this.admin.describeCluster()).clusterId;
    await this.worker.start();
    this.deadLetters = new DeadLetterFolder({
      kafka,
      knex: this.worker.knex,
      logger: this.logger,
      topicPrefix: this.config.KAFKA_TOPIC_PREFIX,
      consumerGroup: this.config.PROJECTION_CONSUMER_GROUP,
      sessionTimeoutMs: this.config.KAFKA_SESSION_TIMEOUT_MS,
    });
    await this.deadLetters.start();
    this.unregisterMetrics = beforeScrape(async () => recordReadSide(await this.snapshot(), this.nowMs()));
    const alarms = (await this.snapshot()).alarms;
    for (const alarm of alarms)
      this.logger.error(
        { alarm },
        `read-model position alarm: ${alarm.detail}; run \`npm run projections:rebuild\``,
      );
  }

  async stop(): Promise<void> {
    this.unregisterMetrics?.();
    await this.deadLetters?.stop();
    await this.admin?.disconnect();
    await this.worker.stop();
    await this.reads.destroy();
  }

  private async snapshot() {
    if (!this.admin) throw new Error('the projection is not started');
    return readSideSnapshot(this.worker.knex, this.admin, LIVE_SCHEMA, this.topics, this.clusterId);
  }

  /**
   * The worker's checks, plus lag and freshness as detail: a lagging read side still answers. Positions
   * that belong to another log (another cluster, or beyond the log's end) make it not ready: its answers
   * would be wrong, not late.
   */
  readiness(): ReadinessCheck[] {
    return [
      ...this.worker.readiness(),
      {
        name: 'read-side',
        check: async () => {
          const snapshot = await this.snapshot();
          return { ok: snapshot.alarms.length === 0, detail: readinessDetail(snapshot, this.nowMs()) };
        },
      },
    ];
  }
}

@Module({})
class ProjectionModule {}

/** Health routes (/metrics is the platform's); the projection stops when Nest shuts down. */
export function projectionModule(projection: Projection): DynamicModule {
  class ProjectionShutdown implements OnApplicationShutdown {
    async onApplicationShutdown(): Promise<void> {
      await projection.stop();
    }
  }
  return {
    module: ProjectionModule,
    controllers: [HealthController],
    providers: [{ provide: READINESS_CHECKS, useValue: () => projection.readiness() }, ProjectionShutdown],
  };
}
