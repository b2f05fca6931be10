import type { ServiceName, TopicId } from '@billing/contracts/topics';
import { topicName } from '@billing/contracts/topics';
import { createKafka, type KafkaSecurity } from '@billing/platform/kafka';
import { loadBrokerIdentities } from '@billing/platform/kafka-identities';
import { Partitioners, type Kafka } from 'kafkajs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceKafkaSecurity, testEnv } from './env';
import { createTopics, uniqueTopicPrefix } from './infra';

/**
 * The broker is a trust boundary (docs/adr/0007-broker-identities-and-acls.md): a client without an
 * identity gets nothing, and each service may write only the topics the registry lets it produce. Runs
 * when the broker has per-service identities (the local broker of `npm test`); an external broker
 * configured with a single KAFKA_SASL_* identity, or none, cannot show the difference.
 */
const secured = loadBrokerIdentities(process.env).source === 'credentials-file';

let prefix: string;
const clients: { disconnect(): Promise<void> }[] = [];

function kafkaAs(clientId: string, security: KafkaSecurity): Kafka {
  return createKafka(
    { brokers: testEnv().kafkaBrokers, clientId, topicPrefix: prefix, security },
    pino({ level: 'silent' }),
  );
}

/** Sends one message to a registry topic as `service`; resolves 'written' or the broker's error type. */
async function produceAs(service: ServiceName, topic: TopicId): Promise<string> {
  const producer = kafkaAs(`acl-test-${service}`, serviceKafkaSecurity(service)).producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 500 },
  });
  clients.push(producer);
  await producer.connect();
  try {
    await producer.send({ topic: topicName(topic, prefix), acks: -1, messages: [{ key: 'k', value: '{}' }] });
    return 'written';
  } catch (err) {
    return errorType(err);
  } finally {
    await producer.disconnect();
  }
}

/** Joins `groupId` as `service`, reading `topic`; resolves 'joined' or the error's name. */
async function joinAs(service: ServiceName, groupId: string, topic: TopicId): Promise<string> {
  const consumer = kafkaAs(`acl-test-group-${service}`, serviceKafkaSecurity(service)).consumer({
    groupId,
    sessionTimeout: 6000,
    heartbeatInterval: 1000,
    allowAutoTopicCreation: false,
    retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 },
  });
  clients.push(consumer);
  const joined = new Promise<string>((resolve) => {
    consumer.on(consumer.events.GROUP_JOIN, () => resolve('joined'));
    consumer.on(consumer.events.CRASH, (e) => resolve(e.payload.error.name));
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: topicName(topic, prefix), fromBeginning: true });
    await consumer.run({ eachMessage: async () => {} });
    return await joined;
  } finally {
    await consumer.disconnect();
  }
}

/** The kafkajs protocol error type somewhere in the cause chain (kafkajs wraps it on retries). */
function errorType(err: unknown): string {
  for (let e: unknown = err; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string') return type;
    if (/not authorized to access topics/i.test(e.message)) return 'TOPIC_AUTHORIZATION_FAILED';
  }
  return String(err);
}

beforeAll(async () => {
  if (!secured) return;
  prefix = uniqueTopicPrefix('acl');
  await createTopics(testEnv().kafkaBrokers, prefix);
});

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.disconnect()));
});

describe.skipIf(!secured)('broker identities and ACLs', () => {
  it('refuses a client that brings no credentials', async () => {
    const admin = createKafka(
      { brokers: testEnv().kafkaBrokers, clientId: 'acl-test-anonymous', topicPrefix: '' },
      pino({ level: 'silent' }),
    ).admin();
    clients.push(admin);
    // The SASL listener answers only the handshake; any other request makes it close the connection.
    const attempt = admin.connect().then(() => admin.listTopics());
    await expect(attempt).rejects.toThrow(/closed connection|connection error|ECONNRESET/i);
  });

  it('refuses a wrong password', async () => {
    const sasl = serviceKafkaSecurity('saga-orchestrator').sasl!;
    const admin = kafkaAs('acl-test-wrong-password', {
      sasl: { ...sasl, password: 'not-the-password' },
    } as KafkaSecurity).admin();
    clients.push(admin);
    await expect(admin.connect()).rejects.toThrow(/SASL|authentication/i);
  });

  it('lets only the saga write ledger commands', async () => {
    expect(await produceAs('command-gateway', 'ledgerCommands')).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(await produceAs('projection-query', 'ledgerCommands')).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(await produceAs('saga-orchestrator', 'ledgerCommands')).toBe('written');
  });

  it('lets only the ledger write ledger events', async () => {
    expect(await produceAs('account-ledger', 'ledgerEvents')).toBe('written');
    expect(await produceAs('saga-orchestrator', 'ledgerEvents')).toBe('TOPIC_AUTHORIZATION_FAILED');
  });

  it('lets the gateway write commands and queries but not events', async () => {
    expect(await produceAs('command-gateway', 'transactionCommands')).toBe('written');
    expect(await produceAs('command-gateway', 'queries')).toBe('written');
    expect(await produceAs('command-gateway', 'transactionEvents')).toBe('TOPIC_AUTHORIZATION_FAILED');
  });

  it('lets every service write the dead-letter topic', async () => {
    for (const service of [
      'command-gateway',
      'account-ledger',
      'saga-orchestrator',
      'projection-query',
    ] as const)
      expect(await produceAs(service, 'deadLetter')).toBe('written');
  });

  it('lets only the gateway ask for dead-letter replays, and only the ledger and the saga answer', async () => {
    expect(await produceAs('command-gateway', 'deadLetterReplays')).toBe('written');
    for (const service of ['account-ledger', 'saga-orchestrator', 'projection-query'] as const)
      expect(await produceAs(service, 'deadLetterReplays')).toBe('TOPIC_AUTHORIZATION_FAILED');
    for (const service of ['account-ledger', 'saga-orchestrator'] as const)
      expect(await produceAs(service, 'deadLetterReplayOutcomes')).toBe('written');
    for (const service of ['command-gateway', 'projection-query'] as const)
      expect(await produceAs(service, 'deadLetterReplayOutcomes')).toBe('TOPIC_AUTHORIZATION_FAILED');
  });

  it("keeps a service out of another service's consumer groups", async () => {
    const group = `${prefix}account-ledger.ledger-commands`;
    // Each reads a topic it may read, so only the group is in question. kafkajs reports the broker's
    // GROUP_AUTHORIZATION_FAILED on FindCoordinator as "coordinator not found"; the ledger's own identity
    // joining the same group shows that the identity is what decides.
    expect(await joinAs('command-gateway', group, 'ledgerEvents')).toBe('KafkaJSGroupCoordinatorNotFound');
    expect(await joinAs('account-ledger', group, 'ledgerCommands')).toBe('joined');
  });
});
