import { ensureDatabase } from '@billing/platform/db';
import { createKafka, ensureTopics, type KafkaSecurity } from '@billing/platform/kafka';
import { ensureAcls } from '@billing/platform/kafka-acls';
import pino from 'pino';
import { databaseUrlFor, SERVICES } from './services';

export interface ProvisionOptions {
  kafkaBrokers: string[];
  databaseServerUrl: string;
  topicPrefix: string;
  /** A super user's identity (it creates topics and ACLs); none for a broker without SASL. */
  kafkaSecurity?: KafkaSecurity;
  /** Databases get this suffix, so parallel end-to-end runs on one server do not share state. */
  databaseSuffix?: string;
}

/**
 * Creates what the services expect to exist before they start: one database per service, every topic
 * of the registry with its partition count (kafkajs cannot subscribe to a topic that does not exist),
 * and, on a broker that enforces ACLs, each service's ACLs derived from the registry
 * (docs/adr/0007-broker-identities-and-acls.md). Each service migrates its own database when it starts.
 */
export async function provision(options: ProvisionOptions): Promise<Record<string, string>> {
  const urls: Record<string, string> = {};
  for (const service of SERVICES) {
    if (service.database === null) continue;
    const url = databaseUrlFor(options.databaseServerUrl, service.database + (options.databaseSuffix ?? ''));
    await ensureDatabase(url);
    urls[service.name] = url;
  }
  const kafka = createKafka(
    {
      brokers: options.kafkaBrokers,
      clientId: 'provisioning',
      topicPrefix: options.topicPrefix,
      security: options.kafkaSecurity,
    },
    pino({ level: 'warn' }),
  );
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, options.topicPrefix);
    await ensureAcls(admin, options.topicPrefix);
  } finally {
    await admin.disconnect();
  }
  return urls;
}
