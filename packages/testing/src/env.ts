import type { ServiceName } from '@billing/contracts/topics';
import type { KafkaSecurity } from '@billing/platform/kafka';
import { loadBrokerIdentities, securityFromEnv } from '@billing/platform/kafka-identities';

/** The broker and database server the global setup chose; read by test files. */
export function testEnv(): { kafkaBrokers: string[]; databaseUrl: string; kafkaSecurity: KafkaSecurity } {
  const brokers = process.env.KAFKA_BROKERS;
  const databaseUrl = process.env.DATABASE_URL;
  if (!brokers || !databaseUrl)
    throw new Error('KAFKA_BROKERS and DATABASE_URL must be set by the global setup');
  return { kafkaBrokers: brokers.split(','), databaseUrl, kafkaSecurity: adminSecurity() };
}

/**
 * The super user's client security, for what a test does beside the service under test: creating topics
 * and ACLs, publishing fixtures, probing topics. None for a broker without SASL.
 */
export function adminSecurity(): KafkaSecurity {
  return loadBrokerIdentities(process.env).admin;
}

/**
 * The Kafka variables of one service in a test: the broker and the service's own identity, so that a
 * service under test runs with exactly the ACLs it has in production. Spread into its config's env.
 */
export function serviceKafkaEnv(service: ServiceName): Record<string, string> {
  const { kafkaBrokers } = testEnv();
  return { KAFKA_BROKERS: kafkaBrokers.join(','), ...loadBrokerIdentities(process.env).serviceEnv(service) };
}

/** The client security of a service, for a test client that plays that service (a fake read side). */
export function serviceKafkaSecurity(service: ServiceName): KafkaSecurity {
  return securityFromEnv(serviceKafkaEnv(service));
}
