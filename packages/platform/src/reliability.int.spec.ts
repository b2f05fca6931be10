import { fixtures } from '@billing/contracts/fixtures';
import { topicName } from '@billing/contracts/topics';
import { uuidv7 } from '@billing/contracts/uuid';
import { adminSecurity, testEnv } from '@billing/testing/env';
import { createTopics, uniqueTopicPrefix } from '@billing/testing/infra';
import { connectProducer, TopicProbe } from '@billing/testing/kafka-probe';
import { waitFor } from '@billing/testing/wait';
import type { Producer } from 'kafkajs';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchConsumer, type ConsumedMessage } from './consumer';
import { createDatabase, dropDatabase, ensureDatabase, type Knex } from './db';
import { createKafka, createProducer } from './kafka';
import { createInboxTable, INBOX_TABLE } from './inbox';
import { appendToOutbox, createOutboxTable, OutboxRelay, OUTBOX_CHANNEL, OUTBOX_TABLE } from './outbox';
import { DEFAULT_RETENTION, ensureRetentionIndexes, pruneOnce } from './retention';

/**
 * Transient failures are waited out and never cost a message; poison messages and rows are set aside
 * with their reason while everything else keeps flowing. Real broker, real PostgreSQL.
 */
const prefix = uniqueTopicPrefix('platform');
const logger = pino({ level: 'silent' });
let producer: Producer;
let serviceProducer: Producer;
let probe: TopicProbe;
let knex: Knex;
let databaseUrl: string;
const accountCommands = topicName('accountCommands', prefix);
const deadLetter = topicName('deadLetter', prefix);

beforeAll(async () => {
  const env = testEnv();
  await createTopics(env.kafkaBrokers, prefix);
  producer = await connectProducer(env.kafkaBrokers);
  serviceProducer = await createProducer(
    createKafka(
      {
        brokers: env.kafkaBrokers,
        clientId: 'platform-test',
        topicPrefix: prefix,
        security: adminSecurity(),
      },
      logger,
    ),
  );
  probe = new TopicProbe(env.kafkaBrokers, [deadLetter, accountCommands]);
  await probe.start();
  const url = new URL(env.databaseUrl);
  url.pathname = `/platform_${prefix.replace(/[^a-z0-9]/g, '_').slice(0, 40)}`;
  databaseUrl = url.toString();
  await ensureDatabase(databaseUrl);
  knex = createDatabase({ url: databaseUrl, poolMax: 4, applicationName: 'platform-test' });
  await createOutboxTable(knex);
  await createInboxTable(knex);
});

afterAll(async () => {
  await probe?.stop();
  await producer?.disconnect();
  await serviceProducer?.disconnect();
  await knex?.destroy();
  if (databaseUrl) await dropDatabase(databaseUrl);
});

function openAccount() {
  return {
    ...fixtures.OpenAccount,
    messageId: uuidv7(),
    data: { ...fixtures.OpenAccount.data, accountId: uuidv7() },
  };
}

async function publish(messages: { messageId: string }[], partitionOf?: (i: number) => number) {
  await producer.send({
    topic: accountCommands,
    messages: messages.map((m, i) => ({
      key: 'k',
      value: JSON.stringify(m),
      ...(partitionOf ? { partition: partitionOf(i) } : {}),
    })),
  });
}

function consumerWith(
  handler: (batch: ConsumedMessage<'accountCommands'>[]) => Promise<void>,
  group: string,
  partitionsConcurrently = 1,
) {
  return new BatchConsumer({
    kafka: createKafka(
      { brokers: testEnv().kafkaBrokers, clientId: group, topicPrefix: prefix, security: adminSecurity() },
      logger,
    ),
    producer: serviceProducer,
    logger,
    groupId: group,
    topicPrefix: prefix,
    topic: 'accountCommands',
    handler,
    // Each test's group is new: it reads the topic from the start, so no message can slip past its join.
    fromBeginning: true,
    sessionTimeoutMs: 6000,
    partitionsConcurrently,
  });
}

describe('the batch consumer', () => {
  it('waits out a transient database failure without dead-lettering or losing a message', async () => {
    const applied = new Set<string>();
    let failuresLeft = 3;
    const consumer = consumerWith(async (batch) => {
      if (failuresLeft-- > 0)
        throw Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' });
      for (const m of batch) applied.add(m.message.messageId);
    }, 'transient');
    await consumer.start();
    await waitFor('joined', () => (consumer.isReady() ? true : undefined));
    const messages = [openAccount(), openAccount(), openAccount()];
    await publish(messages);
    await waitFor('all applied', () => (messages.every((m) => applied.has(m.messageId)) ? true : undefined), {
      timeoutMs: 30_000,
    });
    expect(consumer.transientFailures).toBeGreaterThanOrEqual(3);
    const deadOnes = probe.messages.filter(
      (m) => m.topic === deadLetter && messages.some((x) => m.value.includes(x.messageId)),
    );
    expect(deadOnes).toHaveLength(0);
    await consumer.stop();
  });

  it('dead-letters a poison message with its reason and keeps the partition flowing', async () => {
    const applied = new Set<string>();
    const poison = openAccount();
    const consumer = consumerWith(async (batch) => {
      if (batch.some((m) => m.message.messageId === poison.messageId))
        throw new Error('cannot apply this one');
      for (const m of batch) applied.add(m.message.messageId);
    }, 'poison');
    await consumer.start();
    await waitFor('joined', () => (consumer.isReady() ? true : undefined));
    const after = openAccount();
    await publish([poison, after]);
    await waitFor('the next message applied', () => (applied.has(after.messageId) ? true : undefined), {
      timeoutMs: 30_000,
    });
    const dead = await waitFor('dead letter', () =>
      probe.messages.find((m) => m.topic === deadLetter && m.value.includes(poison.messageId)),
    );
    expect(dead.headers).toMatchObject({
      'dlq-error-code': 'MESSAGE.HANDLER_FAILED',
      'dlq-original-topic': accountCommands,
    });
    expect(dead.headers['dlq-error-detail']).toContain('cannot apply this one');
    await consumer.stop();
  });
});

describe('the batch consumer working on several partitions', () => {
  it('applies the partitions of one fetch in one handler call, each message once and in partition order', async () => {
    const mine = Array.from({ length: 12 }, () => openAccount());
    const ids = new Set(mine.map((m) => m.messageId));
    // Published before the group exists, so its first fetch holds all six partitions.
    await publish(mine, (i) => i % 6);
    const applied: { id: string; partition: number; offset: string }[] = [];
    const spans: number[] = [];
    const consumer = consumerWith(
      async (batch) => {
        const own = batch.filter((m) => ids.has(m.message.messageId));
        if (own.length > 0) spans.push(new Set(own.map((m) => m.partition)).size);
        for (const m of own)
          applied.push({ id: m.message.messageId, partition: m.partition, offset: m.offset });
      },
      'joint',
      6,
    );
    await consumer.start();
    await waitFor('all applied', () => (applied.length >= mine.length ? true : undefined), {
      timeoutMs: 30_000,
    });
    expect(new Set(applied.map((a) => a.id)).size).toBe(mine.length);
    expect(applied).toHaveLength(mine.length);
    expect(Math.max(...spans)).toBeGreaterThan(1);
    for (let p = 0; p < 6; p++) {
      const offsets = applied.filter((a) => a.partition === p).map((a) => BigInt(a.offset));
      expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    await consumer.stop();
  });

  it('applies each partition on its own when a joint call fails, dead-lettering only the poison message', async () => {
    const poison = openAccount();
    const others = Array.from({ length: 5 }, () => openAccount());
    const ids = new Set(others.map((m) => m.messageId));
    await publish([poison, ...others], (i) => i % 6);
    const applied = new Set<string>();
    const consumer = consumerWith(
      async (batch) => {
        if (batch.some((m) => m.message.messageId === poison.messageId))
          throw new Error('cannot apply this one');
        for (const m of batch) if (ids.has(m.message.messageId)) applied.add(m.message.messageId);
      },
      'joint-poison',
      6,
    );
    await consumer.start();
    await waitFor('the others applied', () => (applied.size === others.length ? true : undefined), {
      timeoutMs: 30_000,
    });
    const dead = await waitFor('dead letter', () =>
      probe.messages.find(
        (m) =>
          m.topic === deadLetter &&
          m.value.includes(poison.messageId) &&
          m.headers['dlq-consumer-group']?.endsWith('joint-poison'),
      ),
    );
    expect(dead.headers).toMatchObject({
      'dlq-error-code': 'MESSAGE.HANDLER_FAILED',
      'dlq-original-partition': '0',
    });
    await consumer.stop();
  });
});

describe('the batch consumer after a pause past its session timeout', () => {
  it('rejoins its group and keeps consuming instead of staying stopped in a live process', async () => {
    const applied = new Set<string>();
    let calls = 0;
    const consumer = consumerWith(async (batch) => {
      // The first batch takes longer than the session timeout without a heartbeat, as a process
      // stopped with SIGSTOP would: the group moves on without this member, and its commit is refused.
      if (calls++ === 0) await new Promise((r) => setTimeout(r, 9000));
      for (const m of batch) applied.add(m.message.messageId);
    }, 'paused');
    await consumer.start();
    await waitFor('joined', () => (consumer.isReady() ? true : undefined));
    const first = openAccount();
    await publish([first]);
    await waitFor('the first batch handled', () => (applied.has(first.messageId) ? true : undefined), {
      timeoutMs: 30_000,
    });
    const after = openAccount();
    await publish([after]);
    await waitFor(
      'a message after the pause applied',
      () => (applied.has(after.messageId) ? true : undefined),
      {
        timeoutMs: 60_000,
      },
    );
    await waitFor('ready again', () => (consumer.isReady() ? true : undefined), { timeoutMs: 30_000 });
    await consumer.stop();
  });
});

describe('the outbox relay', () => {
  it('dead-letters only the row the broker refuses for its own reason and publishes the rest, in order', async () => {
    const relay = new OutboxRelay({
      knex,
      databaseUrl,
      producer: serviceProducer,
      logger,
      lockKey: 0x7e57,
      pollIntervalMs: 100,
      deadLetterTopic: deadLetter,
    });
    const before = openAccount();
    // Beyond the broker's default maximum message size: refused whatever is retried.
    const huge = {
      ...openAccount(),
      data: { ...openAccount().data, metadata: { blob: 'x'.repeat(1_200_000) } },
    };
    const after = openAccount();
    await knex.transaction((trx) =>
      appendToOutbox(
        trx,
        [before, huge, after].map((envelope) => ({
          topic: accountCommands,
          key: 'k',
          envelope: envelope as never,
        })),
      ),
    );
    relay.start();
    try {
      await waitFor(
        'both small rows published',
        () => {
          const seen = probe.messages.filter((m) => m.topic === accountCommands).map((m) => m.value);
          return seen.some((v) => v.includes(before.messageId)) &&
            seen.some((v) => v.includes(after.messageId))
            ? true
            : undefined;
        },
        { timeoutMs: 60_000 },
      );
      // The relay marks rows once the broker has acknowledged them: a consumer may see them first.
      const byId = await waitFor('the small rows marked published', async () => {
        const rows = await knex(OUTBOX_TABLE).select('message_id', 'published_at', 'failed_at', 'last_error');
        const found = new Map(rows.map((r) => [r.message_id as string, r]));
        return found.get(before.messageId)?.published_at && found.get(after.messageId)?.published_at
          ? found
          : undefined;
      });
      expect(byId.get(huge.messageId)).toMatchObject({ published_at: null, failed_at: expect.any(Date) });
      expect(byId.get(before.messageId)!.published_at).not.toBeNull();
      expect(byId.get(after.messageId)!.published_at).not.toBeNull();
      const dead = await waitFor('dead letter', () =>
        probe.messages.find(
          (m) => m.topic === deadLetter && m.headers['dlq-error-code'] === 'MESSAGE.REFUSED_BY_BROKER',
        ),
      );
      expect(dead.headers['dlq-original-topic']).toBe(accountCommands);
      expect(relay.progress()).toMatchObject({ deadLettered: 1, consecutiveFailures: 0 });
    } finally {
      await relay.stop();
    }
  });

  it('deletes the rows it published when told to, and keeps the one the broker refused', async () => {
    const relay = new OutboxRelay({
      knex,
      databaseUrl,
      producer: serviceProducer,
      logger,
      lockKey: 0x7e5a,
      pollIntervalMs: 100,
      deadLetterTopic: deadLetter,
      publishedRows: 'delete',
    });
    const first = openAccount();
    const huge = {
      ...openAccount(),
      data: { ...openAccount().data, metadata: { blob: 'x'.repeat(1_200_000) } },
    };
    const last = openAccount();
    await knex.transaction((trx) =>
      appendToOutbox(
        trx,
        [first, huge, last].map((envelope) => ({
          topic: accountCommands,
          key: 'd',
          envelope: envelope as never,
        })),
      ),
    );
    const ids = [first, huge, last].map((m) => m.messageId);
    relay.start();
    try {
      const left = await waitFor(
        'the published rows deleted',
        async () => {
          const rows = await knex(OUTBOX_TABLE).whereIn('message_id', ids).select('message_id', 'failed_at');
          return rows.length === 1 && rows[0]!.failed_at ? rows : undefined;
        },
        { timeoutMs: 60_000 },
      );
      expect(left[0]!.message_id).toBe(huge.messageId);
      // A row goes once the broker acknowledged it, which can be before the probe has fetched it.
      const seen = await waitFor('both small rows consumed', () => {
        const values = probe.messages.filter((m) => m.topic === accountCommands).map((m) => m.value);
        return values.some((v) => v.includes(last.messageId)) ? values : undefined;
      });
      expect(seen.some((v) => v.includes(first.messageId))).toBe(true);
      expect(seen.some((v) => v.includes(last.messageId))).toBe(true);
    } finally {
      await relay.stop();
    }
  });

  it('never gives up on a committed row: a topic that does not exist yet is waited for', async () => {
    const later = `${prefix}not-yet`;
    const relay = new OutboxRelay({
      knex,
      databaseUrl,
      producer: serviceProducer,
      logger,
      lockKey: 0x7e58,
      pollIntervalMs: 100,
    });
    const envelope = openAccount();
    await knex.transaction((trx) =>
      appendToOutbox(trx, [{ topic: later, key: 'k', envelope: envelope as never }]),
    );
    relay.start();
    try {
      // The relay has seen the row waiting for a while, the topic still missing: it must stay pending.
      await waitFor('the row waited a second', () =>
        (relay.progress().oldestPendingAgeMs ?? 0) >= 1000 ? true : undefined,
      );
      const [row] = await knex(OUTBOX_TABLE)
        .where({ message_id: envelope.messageId })
        .select('failed_at', 'published_at');
      expect(row).toMatchObject({ failed_at: null, published_at: null });
      const admin = createKafka(
        {
          brokers: testEnv().kafkaBrokers,
          clientId: 'platform-admin',
          topicPrefix: prefix,
          security: adminSecurity(),
        },
        logger,
      ).admin();
      await admin.connect();
      // Not waiting for leaders: kafkajs' wait gives up on the UNKNOWN_TOPIC_OR_PARTITION a broker answers
      // for a moment after creating a topic (see ensureTopics), and waiting until the topic serves is the
      // relay's job, which the bounded wait below checks.
      await admin.createTopics({ topics: [{ topic: later, numPartitions: 1 }], waitForLeaders: false });
      await admin.disconnect();
      await waitFor(
        'published once the topic exists',
        async () => {
          const [r] = await knex(OUTBOX_TABLE)
            .where({ message_id: envelope.messageId })
            .select('published_at');
          return r?.published_at ? true : undefined;
        },
        { timeoutMs: 60_000 },
      );
    } finally {
      await relay.stop();
    }
  });
});

describe('the outbox relay taking the rows of its own process', () => {
  /** A leader that polls once a minute: what it publishes sooner came by notification or was handed over. */
  async function leadingRelay(lockKey: number) {
    const relay = new OutboxRelay({
      knex,
      databaseUrl,
      producer: serviceProducer,
      logger,
      lockKey,
      pollIntervalMs: 60_000,
      publishedRows: 'delete',
    });
    relay.start();
    // Its first rows are announced (it does not yet know which id comes next) and read from the table.
    const first = openAccount();
    await append('bootstrap', [first]);
    await waitFor(
      'the first row published',
      () => (keyed('bootstrap').includes(first.messageId) ? true : undefined),
      {
        timeoutMs: 30_000,
      },
    );
    await waitFor('it takes rows', () => (relay.takesRows() ? true : undefined));
    return relay;
  }

  function append(key: string, envelopes: { messageId: string }[]) {
    return knex.transaction((trx) =>
      appendToOutbox(
        trx,
        envelopes.map((envelope) => ({ topic: accountCommands, key, envelope: envelope as never })),
      ),
    );
  }

  /** Message ids published under this key, in the order the partition holds them. */
  function keyed(key: string): string[] {
    return probe.messages
      .filter((m) => m.topic === accountCommands && m.key === key)
      .map((m) => (JSON.parse(m.value) as { messageId: string }).messageId);
  }

  async function pendingCount(ids: string[]): Promise<number> {
    const [row] = await knex(OUTBOX_TABLE)
      .whereIn('message_id', ids)
      .count<{ count: string }[]>('* as count');
    return Number(row!.count);
  }

  it('publishes what its transactions committed without a notification or a read of the table', async () => {
    const relay = await leadingRelay(0x7e60);
    const listener = new pg.Client({ connectionString: databaseUrl });
    await listener.connect();
    const notified: string[] = [];
    listener.on('notification', (n) => void notified.push(n.channel));
    await listener.query(`listen ${OUTBOX_CHANNEL}`);
    try {
      const rows = [openAccount(), openAccount(), openAccount()];
      await append('handed', rows);
      const ids = rows.map((r) => r.messageId);
      await waitFor('the three published in order', () => (keyed('handed').length === 3 ? true : undefined));
      expect(keyed('handed')).toEqual(ids);
      await waitFor('their rows deleted', async () => ((await pendingCount(ids)) === 0 ? true : undefined));
      // A notification would have reached this listener before the commit returned to the appender.
      await listener.query('select 1');
      expect(notified).toEqual([]);
    } finally {
      await listener.end();
      await relay.stop();
    }
  });

  it('hands nothing over from a rolled-back transaction, and carries on past the ids it used', async () => {
    const relay = await leadingRelay(0x7e61);
    try {
      const lost = openAccount();
      await expect(
        knex.transaction(async (trx) => {
          await appendToOutbox(trx, [{ topic: accountCommands, key: 'rolled', envelope: lost as never }]);
          throw new Error('rolled back on purpose');
        }),
      ).rejects.toThrow('rolled back on purpose');
      // The rolled-back row took an id: the next row does not follow the last published one, so the
      // relay reads the table for it instead of sending it as handed over.
      const kept = openAccount();
      await append('rolled', [kept]);
      await waitFor('the committed row published', () =>
        keyed('rolled').includes(kept.messageId) ? true : undefined,
      );
      await waitFor('its row deleted', async () =>
        (await pendingCount([kept.messageId])) === 0 ? true : undefined,
      );
      expect(keyed('rolled')).toEqual([kept.messageId]);
      await waitFor('it takes rows again', () => (relay.takesRows() ? true : undefined));
    } finally {
      await relay.stop();
    }
  });

  it('sends an older row waiting in the table first when handed rows do not follow on from it', async () => {
    const relay = await leadingRelay(0x7e62);
    try {
      // Committed by somebody whose notification never came (another replica's, or a lost one).
      const older = openAccount();
      await knex(OUTBOX_TABLE).insert({
        topic: accountCommands,
        key: 'ordered',
        message_id: older.messageId,
        type: older.type,
        payload: JSON.stringify(older),
        headers: JSON.stringify({ 'message-id': older.messageId, 'message-type': older.type }),
      });
      const newer = [openAccount(), openAccount()];
      await append('ordered', newer);
      await waitFor('all three published', () => (keyed('ordered').length === 3 ? true : undefined));
      expect(keyed('ordered')).toEqual([older.messageId, ...newer.map((n) => n.messageId)]);
    } finally {
      await relay.stop();
    }
  });
});

describe('retention', () => {
  it('prunes published outbox rows and inbox rows past their retention, and nothing else', async () => {
    const old = new Date(Date.now() - 10 * 24 * 3_600_000);
    const [oldPublished, oldPending, fresh] = [openAccount(), openAccount(), openAccount()];
    await knex.transaction((trx) =>
      appendToOutbox(
        trx,
        [oldPublished, oldPending, fresh].map((e) => ({
          topic: accountCommands,
          key: 'k',
          envelope: e as never,
        })),
      ),
    );
    await knex(OUTBOX_TABLE)
      .where({ message_id: oldPublished.messageId })
      .update({ published_at: old, created_at: old });
    await knex(OUTBOX_TABLE).where({ message_id: oldPending.messageId }).update({ created_at: old });
    await knex(OUTBOX_TABLE).where({ message_id: fresh.messageId }).update({ published_at: new Date() });
    const inbox = (id: string, at: Date) => ({
      message_id: id,
      topic: 't',
      partition: 0,
      offset: 1,
      type: 'X',
      processed_at: at,
    });
    const [oldSeen, newSeen] = [uuidv7(), uuidv7()];
    await knex(INBOX_TABLE).insert([inbox(oldSeen, old), inbox(newSeen, new Date())]);

    await ensureRetentionIndexes(knex, DEFAULT_RETENTION);
    const deleted = await pruneOnce({ knex, logger, rules: DEFAULT_RETENTION, lockKey: 0x7e59 });
    expect(deleted).toBe(2);
    const outbox = (await knex(OUTBOX_TABLE).pluck('message_id')) as string[];
    expect(outbox).not.toContain(oldPublished.messageId);
    expect(outbox).toEqual(expect.arrayContaining([oldPending.messageId, fresh.messageId]));
    expect(await knex(INBOX_TABLE).whereIn('message_id', [oldSeen, newSeen]).pluck('message_id')).toEqual([
      newSeen,
    ]);
  });
});
