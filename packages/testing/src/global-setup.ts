import { startTestInfra, type TestInfra } from './infra';

let infra: TestInfra | null = null;

/**
 * Vitest global setup for integration and end-to-end tiers: resolves the broker and database once and
 * hands them to the test workers through the environment, which forked workers inherit.
 */
export async function setup(): Promise<void> {
  infra = await startTestInfra(process.env);
  process.env.KAFKA_BROKERS = infra.kafkaBrokers.join(',');
  process.env.DATABASE_URL = infra.databaseUrl;
  if (infra.credentialsFile !== undefined) process.env.KAFKA_CREDENTIALS_FILE = infra.credentialsFile;
}

export async function teardown(): Promise<void> {
  await infra?.stop();
}
