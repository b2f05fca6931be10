import { createKafka } from '@billing/platform/kafka';
import { Partitioners, type Consumer, type Producer } from 'kafkajs';
import pino from 'pino';
import { adminSecurity } from './env';

export interface Captured {
  topic: string;
  key: string | null;
  value: string;
  headers: Record<string, string>;
}

/**
 * Reads every message of some topics into memory, for tests that assert what a service published. It
 * joins its own group and reads from the beginning, so nothing published before it started is missed.
 */
export class TopicProbe {
  readonly messages: Captured[] = [];
  private consumer: Consumer | null = null;

  constructor(
    private readonly brokers: string[],
    private readonly topics: string[],
  ) {}

  async start(): Promise<void> {
    const kafka = createKafka(
      { brokers: this.brokers, clientId: 'test-probe', topicPrefix: '', security: adminSecurity() },
      pino({ level: 'warn' }),
    );
    this.consumer = kafka.consumer({
      groupId: `probe-${Date.now()}-${Math.random()}`,
      sessionTimeout: 6000,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 100,
    });
    await this.consumer.connect();
    for (const topic of this.topics) await this.consumer.subscribe({ topic, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {}))
          if (v !== undefined) headers[k] = String(v);
        this.messages.push({
          topic,
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? '',
          headers,
        });
      },
    });
  }

  parsed<T = { type: string; data: Record<string, unknown> }>(topic: string): T[] {
    return this.messages.filter((m) => m.topic === topic).map((m) => JSON.parse(m.value) as T);
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }

  /** True once the probe holds every message the broker has on `topic` (sum of the high watermarks). */
  async caughtUp(topic: string): Promise<boolean> {
    const kafka = createKafka(
      { brokers: this.brokers, clientId: 'test-probe-lag', topicPrefix: '', security: adminSecurity() },
      pino({ level: 'warn' }),
    );
    const admin = kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(topic);
      const total = ends.reduce((sum, p) => sum + BigInt(p.high), 0n);
      return BigInt(this.messages.filter((m) => m.topic === topic).length) >= total;
    } finally {
      await admin.disconnect();
    }
  }
}

export async function connectProducer(brokers: string[]): Promise<Producer> {
  const kafka = createKafka(
    { brokers, clientId: 'test-producer', topicPrefix: '', security: adminSecurity() },
    pino({ level: 'warn' }),
  );
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  return producer;
}

/**
 * True once a consumer group has committed offsets up to the end of every partition of a topic, i.e. it
 * has consumed (and, for our consumers, applied) everything published there so far.
 */
export async function groupCaughtUp(brokers: string[], groupId: string, topic: string): Promise<boolean> {
  const kafka = createKafka(
    { brokers, clientId: 'test-lag', topicPrefix: '', security: adminSecurity() },
    pino({ level: 'warn' }),
  );
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return ends.every((end) => {
      const offset = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
      return end.high === '0' || BigInt(offset) >= BigInt(end.high);
    });
  } finally {
    await admin.disconnect();
  }
}
