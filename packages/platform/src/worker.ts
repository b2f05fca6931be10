import type { MessageTopicId } from '@billing/contracts/catalog';
import type { ReplayingService } from '@billing/contracts/messages/dead-letters';
import { topicName } from '@billing/contracts/topics';
import type { Logger } from 'pino';
import { BatchConsumer, type BatchHandler } from './consumer';
import { replayHandler, type ReplayTarget } from './dead-letter-replay';
import { migrate, type Knex, type Migration } from './db';
import type { ReadinessCheck } from './health';
import { OutboxRelay, type PublishedRow, type PublishedRows } from './outbox';
import { DEFAULT_RETENTION, retentionJob, type RetentionRule } from './retention';
import { groupName } from './kafka';
import { seedGroupFromFormer } from './group-seeding';
import {
  connectKafka,
  openDatabase,
  shutdown,
  standardReadiness,
  type ConnectionSettings,
  type Connections,
  type Running,
} from './runtime';

export interface ConsumerSpec<T extends MessageTopicId> {
  /** The topic, or topics: a group of several applies one fetch of them in one handler call. */
  topic: T | readonly T[];
  /** Suffix of the group id: `<group>.<name>`. */
  name: string;
  handler: BatchHandler<T>;
  /** Most messages per handler call, when this consumer needs fewer than the service's default. */
  batchSizeMax?: number;
  /**
   * The names this consumer's group had before (each with the topic it read): a group without offsets
   * starts at theirs (group-seeding.ts), and their dead letters can still be replayed into it.
   */
  formerNames?: readonly { name: string; topic: T }[];
}

export function consume<T extends MessageTopicId>(spec: ConsumerSpec<T>): ConsumerSpec<T> {
  return spec;
}

export interface WorkerSpec {
  settings: ConnectionSettings;
  logger: Logger;
  migrations: Record<string, Migration>;
  consumerGroup: string;
  sessionTimeoutMs: number;
  /** The advisory lock id of this service's outbox relay, or null for a service without an outbox. */
  relayLockKey: number | null;
  /** Called once connected; returns what to consume. Handlers close over the connections they need. */
  consumers(connections: Connections): ConsumerSpec<never>[];
  /** Called once migrated and connected, before any consumer starts (e.g. to place a new group's offsets). */
  beforeConsuming?(connections: Connections): Promise<void>;
  /** Background jobs started after the consumers and stopped before them (e.g. expiry sweeps). */
  jobs?(connections: Connections): BackgroundJob[];
  /**
   * Partitions each consumer works on at the same time. Batches wait on the database and the broker
   * far more than on the CPU, so several in flight keep both busy; 6 is every partition of a topic.
   */
  partitionsConcurrently?: number;
  /** Most messages per handler call (one database transaction); CONSUMER_BATCH_MAX. */
  batchSizeMax?: number;
  /** Called with each publish of the outbox once acknowledged, for the service's own metrics. */
  published?: (rows: readonly PublishedRow[]) => void;
  /** Whether the relay keeps published rows (for the retention sweep) or deletes them; default keep. */
  publishedRows?: PublishedRows;
  /** Tables of the service's own that are pruned on a schedule, besides the inbox and outbox. */
  retention?: readonly RetentionRule[];
  /**
   * Answer the operators' requests to replay dead letters of this service's consumers (see
   * dead-letter-replay.ts), stamping the outcomes with the service's clock.
   */
  deadLetterReplays?: { service: ReplayingService; hlc: () => { now(): string } };
}

export interface BackgroundJob {
  start(): void;
  stop(): Promise<void>;
}

/**
 * A Kafka-driven service with its own database: migrate, connect, run batch consumers and (when it has an
 * outbox) the relay. Services compose one instead of repeating the wiring.
 */
export class Worker {
  readonly knex: Knex;
  private running: Running = { connections: null, consumers: [], relay: null };
  private jobs: BackgroundJob[] = [];

  constructor(private readonly spec: WorkerSpec) {
    this.knex = openDatabase(spec.settings);
  }

  async start(): Promise<void> {
    const { spec } = this;
    await migrate(this.knex, spec.migrations, 'knex_migrations');
    const connections = await connectKafka(spec.settings, this.knex, spec.logger);
    await spec.beforeConsuming?.(connections);
    const specs: ConsumerSpec<MessageTopicId>[] = spec.consumers(connections);
    await this.placeRenamedGroups(connections, specs);
    const replays = spec.deadLetterReplays;
    if (replays) {
      const targets: ReplayTarget[] = specs.flatMap((c) => [
        ...(typeof c.topic === 'string' ? [c.topic] : c.topic).map((topic) => ({
          groupId: this.groupOf(c.name),
          topic,
          handler: c.handler as BatchHandler<MessageTopicId>,
        })),
        ...(c.formerNames ?? []).map((f) => ({
          groupId: this.groupOf(f.name),
          topic: f.topic,
          handler: c.handler as BatchHandler<MessageTopicId>,
        })),
      ]);
      specs.push(
        consume({
          topic: 'deadLetterReplays',
          name: 'dead-letter-replays',
          // Each replay reads its original with a group of its own: one per call keeps heartbeats going.
          batchSizeMax: 1,
          handler: replayHandler({
            kafka: connections.kafka,
            producer: connections.producer,
            logger: spec.logger,
            service: replays.service,
            topicPrefix: spec.settings.topicPrefix,
            targets,
            hlc: replays.hlc,
            sessionTimeoutMs: spec.sessionTimeoutMs,
          }),
        }) as ConsumerSpec<MessageTopicId>,
      );
    }
    const consumers = specs.map(
      (c) =>
        new BatchConsumer<MessageTopicId>({
          kafka: connections.kafka,
          producer: connections.producer,
          logger: spec.logger,
          topicPrefix: spec.settings.topicPrefix,
          fromBeginning: true,
          sessionTimeoutMs: spec.sessionTimeoutMs,
          groupId: `${spec.consumerGroup}.${c.name}`,
          topic: c.topic,
          handler: c.handler as BatchHandler<MessageTopicId>,
          partitionsConcurrently: spec.partitionsConcurrently ?? 6,
          batchSizeMax: c.batchSizeMax ?? spec.batchSizeMax ?? 500,
        }),
    );
    const relay =
      spec.relayLockKey === null
        ? null
        : new OutboxRelay({
            knex: this.knex,
            databaseUrl: spec.settings.databaseUrl,
            producer: connections.producer,
            logger: spec.logger,
            lockKey: spec.relayLockKey,
            deadLetterTopic: topicName('deadLetter', spec.settings.topicPrefix),
            batchSizeMax: spec.batchSizeMax ?? 500,
            published: spec.published,
            publishedRows: spec.publishedRows,
          });
    this.running = { connections, consumers, relay };
    relay?.start();
    await Promise.all(consumers.map((c) => c.start()));
    this.jobs = [
      ...(spec.jobs?.(connections) ?? []),
      retentionJob({
        knex: this.knex,
        logger: spec.logger,
        rules: [...DEFAULT_RETENTION, ...(spec.retention ?? [])],
        // Per service database; the relay's key plus one keeps the two locks apart.
        lockKey: (spec.relayLockKey ?? 0x52455400) + 1,
      }),
    ];
    for (const job of this.jobs) job.start();
  }

  private groupOf(name: string): string {
    return groupName(this.spec.settings.topicPrefix, `${this.spec.consumerGroup}.${name}`);
  }

  /** Renamed groups start where the groups they replace stood (see group-seeding.ts). */
  private async placeRenamedGroups(
    connections: Connections,
    specs: readonly ConsumerSpec<MessageTopicId>[],
  ): Promise<void> {
    const renamed = specs.filter((c) => (c.formerNames ?? []).length > 0);
    if (renamed.length === 0) return;
    const admin = connections.kafka.admin();
    await admin.connect();
    try {
      for (const c of renamed)
        await seedGroupFromFormer(
          admin,
          this.groupOf(c.name),
          (c.formerNames ?? []).map((f) => ({
            groupId: this.groupOf(f.name),
            topic: topicName(f.topic, this.spec.settings.topicPrefix),
          })),
          this.spec.logger,
        );
    } finally {
      await admin.disconnect();
    }
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.jobs.map((j) => j.stop()));
    await shutdown(this.running, this.knex);
  }

  readiness(): ReadinessCheck[] {
    return standardReadiness(this.knex, () => this.running);
  }
}
