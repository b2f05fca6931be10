import { topicName } from '@billing/contracts/topics';
import { createKafka, groupName } from '@billing/platform/kafka';
import { createLogger } from '@billing/platform/logger';
import { serviceKafkaSecurity, testEnv } from '@billing/testing/env';
import { createTopics, uniqueTopicPrefix } from '@billing/testing/infra';
import { waitFor } from '@billing/testing/wait';
import { logLevel, Partitioners, type Consumer, type Producer, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUERY_HEADERS, QueryClient, QueryFailedError } from './query-client';

/**
 * The gateway's query client against a real broker, with the gateway's own identity and ACLs, and the
 * test playing the read side with a plain kafkajs consumer speaking Nest's request-reply headers (the
 * read routes' int test plays it with Nest's own ServerKafka).
 */
const env = testEnv();
const prefix = uniqueTopicPrefix('query-client');
const queryTopic = topicName('queries', prefix);
const replyTopic = `${queryTopic}.reply`;
let client: QueryClient;
let readSide: Consumer;
let replier: Producer;
let gatewayKafka: Kafka;
/** Produce requests the client's producer made. */
let produceRequests = 0;

beforeAll(async () => {
  await createTopics(env.kafkaBrokers, prefix);
  const raw = new Kafka({ brokers: env.kafkaBrokers, ...env.kafkaSecurity, logLevel: logLevel.NOTHING });
  replier = raw.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await replier.connect();
  readSide = raw.consumer({ groupId: `${prefix}fake-read-side`, maxWaitTimeInMs: 50 });
  await readSide.connect();
  // The read side must be answering before the first query's timeout starts to run.
  const readSideJoined = new Promise<void>((resolve) =>
    readSide.on(readSide.events.GROUP_JOIN, () => resolve()),
  );
  await readSide.subscribe({ topic: queryTopic, fromBeginning: true });
  await readSide.run({
    eachBatch: async ({ batch }) => {
      const replies = batch.messages.flatMap((m) => {
        const header = (name: string) => m.headers?.[name]?.toString();
        const request = JSON.parse(m.value!.toString()) as { kind: string; n?: number };
        const headers: Record<string, string> = {
          [QUERY_HEADERS.correlationId]: header(QUERY_HEADERS.correlationId)!,
          [QUERY_HEADERS.disposed]: '1',
        };
        if (request.kind === 'silent') return [];
        if (request.kind === 'fail') headers[QUERY_HEADERS.error] = JSON.stringify({ message: 'no' });
        const value = request.kind === 'echo' ? JSON.stringify({ twice: request.n! * 2 }) : '';
        return [{ partition: Number(header(QUERY_HEADERS.replyPartition)), value, headers }];
      });
      if (replies.length > 0) await replier.send({ topic: header0(batch.messages), messages: replies });
    },
  });

  const kafka = (gatewayKafka = createKafka(
    {
      brokers: env.kafkaBrokers,
      clientId: 'command-gateway',
      topicPrefix: prefix,
      security: serviceKafkaSecurity('command-gateway'),
    },
    createLogger('query-client-test', 'warn'),
  ));
  const producer = kafka.producer.bind(kafka);
  kafka.producer = (config) => {
    const p = producer(config);
    p.on(p.events.REQUEST, (e) => {
      if (e.payload.apiName === 'Produce') produceRequests++;
    });
    return p;
  };
  client = new QueryClient({
    kafka,
    queryTopic,
    replyTopic,
    groupId: groupName(prefix, 'command-gateway.replies'),
    sessionTimeoutMs: 6000,
    timeoutMs: 1500,
    logger: createLogger('query-client-test', 'warn'),
  });
  await client.start();
  await readSideJoined;
}, 90_000);

/** Every reply goes to the reply topic the asker named; all asks here name the same one. */
function header0(messages: { headers?: Record<string, unknown> }[]): string {
  return String(messages[0]!.headers![QUERY_HEADERS.replyTopic]);
}

afterAll(async () => {
  await client?.stop();
  await readSide?.disconnect();
  await replier?.disconnect();
});

describe('the gateway query client', () => {
  it('is ready once it holds a reply partition', () => {
    expect(client.isReady()).toBe(true);
  });

  it('hands each of many concurrent queries its own answer, sending them in few produce requests', async () => {
    const before = produceRequests;
    const ns = Array.from({ length: 300 }, (_, i) => i);
    const answers = await Promise.all(ns.map((n) => client.ask({ kind: 'echo', n })));
    expect(answers).toEqual(ns.map((n) => ({ twice: n * 2 })));
    // Asked in one turn of the event loop, they leave together (the batch holds up to 500).
    expect(produceRequests - before).toBeLessThanOrEqual(2);
    expect(client.waiting).toBe(0);
  });

  it('fails a query the read side refused as refused, not as a timeout', async () => {
    const err = await client.ask({ kind: 'fail' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryFailedError);
    expect((err as QueryFailedError).reason).toBe('refused');
  });

  it('fails a query that has an empty answer as refused', async () => {
    const err = await client.ask({ kind: 'empty' }).catch((e: unknown) => e);
    expect((err as QueryFailedError).reason).toBe('refused');
  });

  it('times a query out when nobody answers, and forgets it', async () => {
    const started = Date.now();
    const err = await client.ask({ kind: 'silent' }).catch((e: unknown) => e);
    expect((err as QueryFailedError).reason).toBe('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(client.waiting).toBe(0);
  });

  it('shares the reply partitions with a second replica, each getting its own answers', async () => {
    const second = new QueryClient({
      kafka: gatewayKafka,
      queryTopic,
      replyTopic,
      groupId: groupName(prefix, 'command-gateway.replies'),
      sessionTimeoutMs: 6000,
      timeoutMs: 5000,
      logger: createLogger('query-client-test', 'warn'),
    });
    try {
      await second.start();
      await waitFor(
        'the two replicas to hold reply partitions of their own',
        () =>
          client.partition !== null && second.partition !== null && client.partition !== second.partition
            ? true
            : undefined,
        { timeoutMs: 30_000 },
      );
      const ns = Array.from({ length: 40 }, (_, i) => i);
      const [first, other] = await Promise.all([
        Promise.all(ns.map((n) => client.ask({ kind: 'echo', n }))),
        Promise.all(ns.map((n) => second.ask({ kind: 'echo', n: n + 1000 }))),
      ]);
      expect(first).toEqual(ns.map((n) => ({ twice: n * 2 })));
      expect(other).toEqual(ns.map((n) => ({ twice: (n + 1000) * 2 })));
    } finally {
      await second.stop();
    }
  }, 60_000);

  it('refuses to ask before it is started', async () => {
    const idle = new QueryClient({
      kafka: new Kafka({ brokers: env.kafkaBrokers, logLevel: logLevel.NOTHING }),
      queryTopic,
      replyTopic,
      groupId: 'unused',
      sessionTimeoutMs: 6000,
      timeoutMs: 1000,
      logger: createLogger('query-client-test', 'warn'),
    });
    expect(idle.isReady()).toBe(false);
    const err = await idle.ask({ kind: 'echo', n: 1 }).catch((e: unknown) => e);
    expect((err as QueryFailedError).reason).toBe('not-ready');
  });
});
