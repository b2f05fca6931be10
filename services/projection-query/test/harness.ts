import type { QueryRequest } from '@billing/contracts/messages/queries';
import { topicName, type TopicId } from '@billing/contracts/topics';
import { createKafka } from '@billing/platform/kafka';
import { createLogger } from '@billing/platform/logger';
import { listenNestService } from '@billing/platform/nest-service';
import { serviceKafkaEnv, testEnv } from '@billing/testing/env';
import { createTestDatabase, createTopics, uniqueTopicPrefix } from '@billing/testing/infra';
import { connectProducer } from '@billing/testing/kafka-probe';
import { waitFor } from '@billing/testing/wait';
import { ClientKafka } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Admin, Producer } from 'kafkajs';
import { firstValueFrom, timeout } from 'rxjs';
import { loadConfig, type ProjectionConfig } from '../src/config';
import { lagOf, readSideSnapshot } from '../src/metrics/read-side-metrics';
import { createQueryServer } from '../src/queries/query-server';
import { LIVE_SCHEMA } from '../src/read-model/schema';
import { Projection, projectionModule } from '../src/runtime';

/** One projection-query in-process against the real broker and PostgreSQL, on topics and a database of its own. */
export interface ProjectionHarness {
  prefix: string;
  databaseUrl: string;
  config: ProjectionConfig;
  projection: Projection;
  app: NestFastifyApplication;
  url: string;
  admin: Admin;
  topic(id: TopicId): string;
  publish(id: 'ledgerEvents' | 'transactionEvents', key: string, ...messages: object[]): Promise<void>;
  ask<T = Record<string, unknown>>(
    request: QueryRequest | object,
  ): Promise<{ ok: boolean; data?: T; code?: string; detail?: string }>;
  /** Waits until the live read models have applied everything on both event topics. */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}

export async function startProjection(
  label: string,
  env: Record<string, string> = {},
): Promise<ProjectionHarness> {
  const { kafkaBrokers, databaseUrl, kafkaSecurity } = testEnv();
  const prefix = uniqueTopicPrefix(label);
  await createTopics(kafkaBrokers, prefix);
  const db = await createTestDatabase(databaseUrl, label);
  const config = loadConfig({
    DATABASE_URL: db.url,
    ...serviceKafkaEnv('projection-query'),
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    PORT: '0',
    ...env,
  });
  const logger = createLogger('projection-query', 'warn');
  const projection = new Projection(config, logger);
  await projection.start();
  const app = await listenNestService({
    name: 'projection-query',
    module: projectionModule(projection),
    host: '127.0.0.1',
    port: 0,
    logger,
    beforeListen: (nest) => {
      nest.connectMicroservice({ strategy: createQueryServer(config, projection.queryDeps, logger) });
      return nest.startAllMicroservices();
    },
  });
  const client = new ClientKafka({
    client: { clientId: `${label}-test`, brokers: kafkaBrokers, ...kafkaSecurity },
    consumer: {
      groupId: `${prefix}test-replies`,
      sessionTimeout: 6000,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 50,
    },
  });
  const topic = (id: TopicId) => topicName(id, prefix);
  client.subscribeToResponseOf(topic('queries'));
  await client.connect();
  const producer: Producer = await connectProducer(kafkaBrokers);
  const admin = createKafka(
    { brokers: kafkaBrokers, clientId: `${label}-admin`, topicPrefix: prefix, security: kafkaSecurity },
    logger,
  ).admin();
  await admin.connect();
  const eventTopics = [topic('ledgerEvents'), topic('transactionEvents')];
  return {
    prefix,
    databaseUrl: db.url,
    config,
    projection,
    app,
    url: await app.getUrl(),
    admin,
    topic,
    publish: async (id, key, ...messages) => {
      await producer.send({
        topic: topic(id),
        messages: messages.map((m) => ({ key, value: JSON.stringify(m) })),
      });
    },
    ask: (request) => firstValueFrom(client.send(topic('queries'), request).pipe(timeout(10_000))),
    caughtUp: async () => {
      await waitFor('read models caught up', async () => {
        const s = await readSideSnapshot(projection.worker.knex, admin, LIVE_SCHEMA, eventTopics);
        return s.partitions.every((p) => lagOf(p) === 0n) ? true : undefined;
      });
    },
    stop: async () => {
      await producer.disconnect();
      await admin.disconnect();
      await client.close();
      await app.close();
      await db.drop();
    },
  };
}
