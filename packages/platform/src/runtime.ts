import type { Admin, Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { createDatabase, databaseReachable, type Knex } from './db';
import type { ReadinessCheck } from './health';
import { createKafka, createProducer, kafkaReachable, type KafkaSecurity } from './kafka';
import type { OutboxRelay } from './outbox';

/** The connections a Kafka-and-PostgreSQL service holds for its whole life. */
export interface Connections {
  knex: Knex;
  kafka: Kafka;
  admin: Admin;
  producer: Producer;
}

export interface ConnectionSettings {
  service: string;
  databaseUrl: string;
  databasePoolMax: number;
  /** `DATABASE_CONNECTION_LIFETIME_MS`; the pool's default when absent. */
  databaseConnectionLifetimeMs?: number;
  kafkaBrokers: string[];
  topicPrefix: string;
  /** The service's broker identity (`kafkaSecurity(config)`); absent for a broker without SASL. */
  kafkaSecurity?: KafkaSecurity;
}

export function openDatabase(settings: ConnectionSettings): Knex {
  return createDatabase({
    url: settings.databaseUrl,
    poolMax: settings.databasePoolMax,
    applicationName: settings.service,
    connectionLifetimeMs: settings.databaseConnectionLifetimeMs,
  });
}

export async function connectKafka(
  settings: ConnectionSettings,
  knex: Knex,
  logger: Logger,
): Promise<Connections> {
  const kafka = createKafka(
    {
      brokers: settings.kafkaBrokers,
      clientId: settings.service,
      topicPrefix: settings.topicPrefix,
      security: settings.kafkaSecurity,
    },
    logger,
  );
  const admin = kafka.admin();
  await admin.connect();
  const producer = await createProducer(kafka);
  return { knex, kafka, admin, producer };
}

export interface Running {
  connections: Connections | null;
  consumers: readonly { isReady(): boolean; stop(): Promise<void> }[];
  relay: OutboxRelay | null;
}

/** Ready = database and broker answer, every consumer has joined its group, and the relay runs. */
export function standardReadiness(knex: Knex, running: () => Running): ReadinessCheck[] {
  const checks: ReadinessCheck[] = [
    { name: 'database', check: async () => ({ ok: await databaseReachable(knex) }) },
    {
      name: 'kafka',
      check: async () => {
        const admin = running().connections?.admin;
        return { ok: admin !== undefined && (await kafkaReachable(admin)) };
      },
    },
    {
      name: 'consumers',
      check: async () => {
        const { consumers } = running();
        return { ok: consumers.length > 0 && consumers.every((c) => c.isReady()) };
      },
    },
  ];
  if (running().relay !== null || running().connections === null) {
    checks.push({
      name: 'outbox',
      check: async () => {
        const relay = running().relay;
        // What the relay saw on its last pass: no count(*) over the outbox on every probe.
        return { ok: relay !== null, detail: relay?.progress() };
      },
    });
  }
  return checks;
}

/** Stops consuming first, then publishing, then closes connections, so nothing is cut off mid-batch. */
export async function shutdown(running: Running, knex: Knex): Promise<void> {
  await Promise.allSettled(running.consumers.map((c) => c.stop()));
  await running.relay?.stop();
  await running.connections?.producer.disconnect();
  await running.connections?.admin.disconnect();
  await knex.destroy();
}
