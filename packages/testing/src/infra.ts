import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ensureDatabase, dropDatabase } from '@billing/platform/db';
import { createKafka, ensureTopics } from '@billing/platform/kafka';
import { ensureAcls } from '@billing/platform/kafka-acls';
import pino from 'pino';
import { adminSecurity } from './env';

/**
 * Where tests find their broker and database. Explicit KAFKA_BROKERS / DATABASE_URL win; otherwise, with
 * a Docker engine, testcontainers starts both; otherwise the locally provisioned broker and PostgreSQL
 * (which `npm test` starts) on 127.0.0.1 are used.
 */
export interface TestInfra {
  kafkaBrokers: string[];
  /** A server URL; tests create databases of their own on it. */
  databaseUrl: string;
  /** The broker identities (docs/adr/0007-broker-identities-and-acls.md), when the broker has them. */
  credentialsFile?: string;
  stop(): Promise<void>;
}

const REPO_ROOT = path.resolve(__dirname, '../../..');

/**
 * The credentials file of the local broker when the broker answering on `brokers` (one loopback address,
 * or none for the default port) is this checkout's SASL broker (kafka.sh knows: it started it); undefined
 * for any other broker. So a test file run by hand finds the identities that `npm test` would export.
 */
function localBrokerCredentials(env: NodeJS.ProcessEnv, brokers: string | undefined): string | undefined {
  const port =
    brokers === undefined ? env.KAFKA_PORT : /^(?:127\.0\.0\.1|localhost):(\d+)$/.exec(brokers)?.[1];
  if (brokers !== undefined && port === undefined) return undefined;
  try {
    const out = execFileSync('bash', [path.join(REPO_ROOT, 'infra/local/kafka.sh'), 'credentials-file'], {
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
      env: { ...env, ...(port === undefined ? {} : { KAFKA_PORT: port }) },
    });
    const file = out.toString().trim();
    return file === '' ? undefined : file;
  } catch {
    return undefined;
  }
}

export function dockerEngineAvailable(): boolean {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'pipe', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

export async function startTestInfra(env: NodeJS.ProcessEnv): Promise<TestInfra> {
  if (env.KAFKA_BROKERS && env.DATABASE_URL) {
    return {
      kafkaBrokers: env.KAFKA_BROKERS.split(','),
      databaseUrl: env.DATABASE_URL,
      credentialsFile: env.KAFKA_CREDENTIALS_FILE || localBrokerCredentials(env, env.KAFKA_BROKERS),
      stop: async () => {},
    };
  }
  if (!env.KAFKA_BROKERS && !env.DATABASE_URL && dockerEngineAvailable()) {
    const { KafkaContainer } = await import('@testcontainers/kafka');
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const [kafka, pg] = await Promise.all([
      new KafkaContainer('confluentinc/cp-kafka:7.9.0').withKraft().start(),
      new PostgreSqlContainer('postgres:15-alpine').start(),
    ]);
    return {
      kafkaBrokers: [`${kafka.getHost()}:${kafka.getMappedPort(9093)}`],
      databaseUrl: pg.getConnectionUri(),
      stop: async () => {
        await Promise.all([kafka.stop(), pg.stop()]);
      },
    };
  }
  return {
    kafkaBrokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    credentialsFile: env.KAFKA_CREDENTIALS_FILE || localBrokerCredentials(env, env.KAFKA_BROKERS),
    stop: async () => {},
  };
}

/** A topic prefix of its own per test file, so parallel files never read each other's messages. */
export function uniqueTopicPrefix(label: string): string {
  return `t-${label}-${Date.now().toString(36)}${randomBytes(3).toString('hex')}.`;
}

/** Creates the registry's topics for a prefix, and the services' ACLs on them when the broker enforces any. */
export async function createTopics(brokers: string[], prefix: string): Promise<void> {
  const kafka = createKafka(
    { brokers, clientId: 'test-provisioning', topicPrefix: prefix, security: adminSecurity() },
    pino({ level: 'warn' }),
  );
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, prefix);
    await ensureAcls(admin, prefix);
  } finally {
    await admin.disconnect();
  }
}

/** Creates an empty database with a unique name on the server and returns its URL and a way to drop it. */
export async function createTestDatabase(
  serverUrl: string,
  label: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const url = new URL(serverUrl);
  url.pathname = `/test_${label.replace(/[^a-z0-9]/g, '_')}_${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  await ensureDatabase(url.toString());
  return { url: url.toString(), drop: () => dropDatabase(url.toString()) };
}
