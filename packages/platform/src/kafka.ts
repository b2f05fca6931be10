import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { propagation } from '@opentelemetry/api';
import type { Envelope } from '@billing/contracts/envelope';
import { TOPICS, topicName, type TopicId } from '@billing/contracts/topics';
import {
  Kafka,
  logLevel,
  Partitioners,
  type Admin,
  type ConsumerConfig,
  type IHeaders,
  type Producer,
  type RequestEvent,
  type SASLOptions,
} from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaEnv } from './config';
import { platformMetrics } from './metrics';
import { contextFor, tracingEnabled } from './telemetry';
import { delay } from './wait';

/** How a client proves who it is to the broker, and whether it talks TLS; none of it for an open broker. */
export interface KafkaSecurity {
  sasl?: SASLOptions;
  ssl?: ConnectionOptions | boolean;
}

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  topicPrefix: string;
  security?: KafkaSecurity;
}

/**
 * The client security of a service from its parsed configuration; also for Nest's `ClientKafka` and
 * `ServerKafka`, whose `client` options take the same fields. A mechanism without a username and
 * password, or a certificate without its key, stops the service at start-up naming the variable.
 */
export function kafkaSecurity(config: KafkaEnv): KafkaSecurity {
  const problems: string[] = [];
  const security: KafkaSecurity = {};
  const mechanism = config.KAFKA_SASL_MECHANISM;
  if (mechanism !== undefined) {
    const { KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = config;
    if (username === undefined) problems.push('KAFKA_SASL_USERNAME: required with KAFKA_SASL_MECHANISM');
    if (password === undefined) problems.push('KAFKA_SASL_PASSWORD: required with KAFKA_SASL_MECHANISM');
    if (username !== undefined && password !== undefined) security.sasl = { mechanism, username, password };
  } else if (config.KAFKA_SASL_USERNAME !== undefined) {
    problems.push('KAFKA_SASL_MECHANISM: required with KAFKA_SASL_USERNAME');
  }
  if ((config.KAFKA_SSL_CERT_FILE === undefined) !== (config.KAFKA_SSL_KEY_FILE === undefined))
    problems.push('KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE: set both or neither');
  const tlsFiles = [config.KAFKA_SSL_CA_FILE, config.KAFKA_SSL_CERT_FILE, config.KAFKA_SSL_KEY_FILE];
  if (!config.KAFKA_SSL && tlsFiles.some((f) => f !== undefined))
    problems.push('KAFKA_SSL: must be true when a KAFKA_SSL_*_FILE is set');
  if (problems.length > 0) throw new Error(`invalid configuration:\n  ${problems.join('\n  ')}`);
  if (config.KAFKA_SSL) {
    const read = (file: string | undefined) => (file === undefined ? undefined : readFileSync(file, 'utf8'));
    const files = {
      ca: read(config.KAFKA_SSL_CA_FILE),
      cert: read(config.KAFKA_SSL_CERT_FILE),
      key: read(config.KAFKA_SSL_KEY_FILE),
    };
    const options = Object.fromEntries(Object.entries(files).filter(([, v]) => v !== undefined));
    security.ssl = Object.keys(options).length > 0 ? { ...options, rejectUnauthorized: true } : true;
  }
  return security;
}

const levelNames: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * Counts every request a consumer, producer or admin client sends (`kafka_client_requests_total`): the
 * broker's cost is mostly per request, so requests per message is the figure that says whether batching
 * works. One event and one counter increment per request, the label lookup cached per API.
 */
function requestCounter(kind: 'consumer' | 'producer' | 'admin'): (e: RequestEvent) => void {
  const byApi = new Map<string, { inc(): void }>();
  return (e) => {
    const api = e.payload.apiName;
    let c = byApi.get(api);
    if (!c) byApi.set(api, (c = platformMetrics.kafkaRequests.labels(kind, api)));
    c.inc();
  };
}

/** A kafkajs client whose own log lines go through pino, at warn and above only. */
export function createKafka(settings: KafkaSettings, logger: Logger): Kafka {
  const kafka = newKafka(settings, logger);
  const consumer = kafka.consumer.bind(kafka);
  const producer = kafka.producer.bind(kafka);
  const admin = kafka.admin.bind(kafka);
  kafka.consumer = (config) => {
    const c = consumer(config);
    c.on(c.events.REQUEST, requestCounter('consumer'));
    return c;
  };
  kafka.producer = (config) => {
    const p = producer(config);
    p.on(p.events.REQUEST, requestCounter('producer'));
    return p;
  };
  kafka.admin = (config) => {
    const a = admin(config);
    a.on(a.events.REQUEST, requestCounter('admin'));
    return a;
  };
  return kafka;
}

function newKafka(settings: KafkaSettings, logger: Logger): Kafka {
  const log = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    ...settings.security,
    connectionTimeout: 3000,
    authenticationTimeout: 10000,
    requestTimeout: 30000,
    retry: { initialRetryTime: 100, retries: 8, maxRetryTime: 5000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }) => {
        const { message, correlationId, ...rest } = entry;
        // kafkajs's correlationId numbers a protocol request; in our lines that name is the request's.
        const fields = correlationId === undefined ? rest : { ...rest, kafkaRequestId: correlationId };
        log[levelNames[level] ?? 'info'](fields, message);
      },
  });
}

/**
 * How long the broker may hold a fetch that finds nothing. It answers as soon as any partition of the
 * fetch has a message (minBytes 1), so this buys no latency when messages flow; it only sets how often
 * an idle consumer asks again. A service runs several consumers, so at 100 ms the idle ones made about
 * as many fetches as the busy ones under load (Fetch ~1 per transfer in the bench). Heartbeats go out
 * between fetches, far within their interval (a quarter of the session timeout, 2.5 s by default).
 */
export const FETCH_WAIT_MS = 500;

/**
 * The settings every consumer of this platform uses, passed explicitly instead of trusting kafkajs'
 * defaults: heartbeats at a quarter of the session timeout, the fetch wait above, bounded fetch sizes
 * and retries, and never creating topics by accident.
 */
export function consumerConfig(groupId: string, sessionTimeoutMs: number): ConsumerConfig {
  return {
    groupId,
    sessionTimeout: sessionTimeoutMs,
    heartbeatInterval: Math.floor(sessionTimeoutMs / 4),
    rebalanceTimeout: Math.max(sessionTimeoutMs * 2, 20000),
    maxWaitTimeInMs: FETCH_WAIT_MS,
    maxBytesPerPartition: 1024 * 1024,
    allowAutoTopicCreation: false,
    retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 10000 },
  };
}

/**
 * An idempotent producer: the broker drops a retried duplicate, and one request in flight keeps the order
 * of messages per partition even when a send is retried.
 */
export async function createProducer(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    // An idempotent producer retries until the broker answers: giving up would restart the sequence and
    // could duplicate. Callers (the outbox relay) simply wait while the broker is away.
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 5000 },
  });
  await producer.connect();
  return producer;
}

export interface OutgoingMessage {
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

/**
 * Consumer groups are namespaced by the same prefix as topics, so two deployments (or a test run and a
 * local system) sharing one broker never join each other's groups.
 */
export function groupName(prefix: string, group: string): string {
  return `${prefix}${group}`;
}

/**
 * Kafka headers for an envelope: the type for routing without parsing, and, with tracing on, the W3C
 * trace context of what caused it (see `contextFor`): the HTTP request at the gateway, the consumed
 * message inside a batch handler. The outbox stores these headers with the row, so the relay publishes
 * the context of the transaction that wrote it.
 */
export function envelopeHeaders(envelope: Envelope): Record<string, string> {
  const headers: Record<string, string> = {
    'message-type': envelope.type,
    'message-id': envelope.messageId,
    'correlation-id': envelope.correlationId,
  };
  if (tracingEnabled()) propagation.inject(contextFor(envelope), headers);
  return headers;
}

export function toOutgoing(topic: string, key: string, envelope: Envelope): OutgoingMessage {
  return { topic, key, value: JSON.stringify(envelope), headers: envelopeHeaders(envelope) };
}

/**
 * Sends messages in one batch request, grouped by topic, with acks from all in-sync replicas unless the
 * caller asks for the leader's only (what nobody relies on after a broker failover, such as a query).
 */
export async function sendAll(
  producer: Producer,
  messages: readonly OutgoingMessage[],
  acks: -1 | 1 = -1,
): Promise<void> {
  if (messages.length === 0) return;
  const byTopic = new Map<string, { key: string; value: string; headers: IHeaders }[]>();
  for (const m of messages) {
    const list = byTopic.get(m.topic) ?? [];
    list.push({ key: m.key, value: m.value, headers: m.headers });
    byTopic.set(m.topic, list);
  }
  await producer.sendBatch({
    acks,
    timeout: 30000,
    topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })),
  });
}

/**
 * A producer for request-reply conversations (queries and their replies): each message is read once by
 * whoever waits for it, and a lost or repeated one ends as a timeout the asker may retry, so there is no
 * idempotence (and no single request in flight) and only a few quick retries.
 */
export async function createConversationProducer(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({
    idempotent: false,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: 3, initialRetryTime: 50, maxRetryTime: 1000 },
  });
  await producer.connect();
  return producer;
}

/** Creates every registry topic that is missing, with its partition count and configuration. */
export async function ensureTopics(
  admin: Admin,
  prefix: string,
  ids: readonly TopicId[] = allTopicIds(),
): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = ids.filter((id) => !existing.has(topicName(id, prefix)));
  if (missing.length === 0) return;
  // kafkajs's own waitForLeaders gives up on UNKNOWN_TOPIC_OR_PARTITION, which a freshly started broker
  // answers for a moment after creating a topic; waitForPartitionLeaders below tolerates it.
  await admin.createTopics({
    waitForLeaders: false,
    timeout: 30000,
    topics: missing.map((id) => ({
      topic: topicName(id, prefix),
      numPartitions: TOPICS[id].partitions,
      replicationFactor: 1,
      configEntries: Object.entries(TOPICS[id].config).map(([name, value]) => ({ name, value })),
    })),
  });
  await waitForPartitionLeaders(
    admin,
    missing.map((id) => topicName(id, prefix)),
  );
}

/**
 * CreateTopics returns before every broker's metadata cache knows the new partitions; a client that
 * subscribes or produces in that window gets UNKNOWN_TOPIC_OR_PARTITION. Wait (bounded) until the
 * metadata shows a leader for every partition.
 */
async function waitForPartitionLeaders(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
      const ready = metadata.every(
        (t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0),
      );
      if (ready && metadata.length === topics.length) return;
    } catch {
      // Not known yet: try again until the deadline.
    }
    if (Date.now() > deadline)
      throw new Error(`topics without partition leaders after ${timeoutMs} ms: ${topics.join(', ')}`);
    await delay(100);
  }
}

export function allTopicIds(): TopicId[] {
  return Object.keys(TOPICS) as TopicId[];
}

/** True when the cluster answers a metadata request. */
export async function kafkaReachable(admin: Admin): Promise<boolean> {
  try {
    await admin.describeCluster();
    return true;
  } catch {
    return false;
  }
}
