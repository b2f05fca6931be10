import { ensureDatabase } from '@billing/platform/db';
import { createKafka, ensureTopics } from '@billing/platform/kafka';
import pino from 'pino';
import { databaseUrlFor, SERVICES } from './services';

export interface ProvisionOptions {
  kafkaBrokers: string[];
  databaseServerUrl: string;
  topicPrefix: string;
  /** Databases get this suffix, so parallel end-to-end runs on one server do not share state. */
  databaseSuffix?: string;
}

/**
 * Creates what the services expect to exist before they start: one database per service and every topic
 * of the registry with its partition count (kafkajs cannot subscribe to a topic that does not exist).
 * Each service migrates its own database when it starts.
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
    { brokers: options.kafkaBrokers, clientId: 'provisioning', topicPrefix: options.topicPrefix },
    pino({ level: 'warn' }),
  );
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, options.topicPrefix);
  } finally {
    await admin.disconnect();
  }
  return urls;
}
