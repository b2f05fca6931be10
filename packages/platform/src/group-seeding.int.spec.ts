import { testEnv } from '@billing/testing/env';
import { createTopics, uniqueTopicPrefix } from '@billing/testing/infra';
import { topicName } from '@billing/contracts/topics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import { createKafka } from './kafka';
import { createLogger } from './logger';
import { seedGroupFromFormer } from './group-seeding';

/** A renamed consumer group starts where the groups it replaces stood, against the real broker. */
let admin: Admin;
let prefix: string;
const log = createLogger('group-seeding-test', 'silent');

beforeAll(async () => {
  const { kafkaBrokers, kafkaSecurity } = testEnv();
  prefix = uniqueTopicPrefix('group-seeding');
  await createTopics(kafkaBrokers, prefix);
  const kafka = createKafka(
    { brokers: kafkaBrokers, clientId: 'group-seeding-test', topicPrefix: prefix, security: kafkaSecurity },
    log,
  );
  admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer();
  await producer.connect();
  for (const id of ['transactionCommands', 'ledgerEvents'] as const)
    await producer.send({
      topic: topicName(id, prefix),
      messages: Array.from({ length: 12 }, (_, i) => ({ key: `k${i}`, value: '{}' })),
    });
  await producer.disconnect();
});

afterAll(async () => {
  await admin?.disconnect();
});

async function offsetsOf(groupId: string, topic: string): Promise<Record<number, string>> {
  const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return Object.fromEntries(
    t!.partitions.filter((p) => Number(p.offset) >= 0).map((p) => [p.partition, p.offset]),
  );
}

describe('placing a renamed consumer group', () => {
  it("copies each topic's offsets from the group that read it, once", async () => {
    const commands = topicName('transactionCommands', prefix);
    const events = topicName('ledgerEvents', prefix);
    const former = [
      { groupId: `${prefix}svc.commands`, topic: commands },
      { groupId: `${prefix}svc.events`, topic: events },
    ];
    await admin.setOffsets({
      groupId: former[0]!.groupId,
      topic: commands,
      partitions: [{ partition: 0, offset: '3' }],
    });
    await admin.setOffsets({
      groupId: former[1]!.groupId,
      topic: events,
      partitions: [{ partition: 1, offset: '2' }],
    });

    expect(await seedGroupFromFormer(admin, `${prefix}svc.both`, former, log)).toBe('seeded');
    expect(await offsetsOf(`${prefix}svc.both`, commands)).toEqual({ 0: '3' });
    expect(await offsetsOf(`${prefix}svc.both`, events)).toEqual({ 1: '2' });

    // The group has offsets of its own now: they are not overwritten by the former groups' later ones.
    await admin.setOffsets({
      groupId: former[0]!.groupId,
      topic: commands,
      partitions: [{ partition: 0, offset: '5' }],
    });
    expect(await seedGroupFromFormer(admin, `${prefix}svc.both`, former, log)).toBe('has-offsets');
    expect(await offsetsOf(`${prefix}svc.both`, commands)).toEqual({ 0: '3' });
  });

  it('leaves a group alone when the former groups never committed', async () => {
    const commands = topicName('transactionCommands', prefix);
    const outcome = await seedGroupFromFormer(
      admin,
      `${prefix}svc.fresh`,
      [{ groupId: `${prefix}svc.never-ran`, topic: commands }],
      log,
    );
    expect(outcome).toBe('nothing-to-take');
    expect(await offsetsOf(`${prefix}svc.fresh`, commands)).toEqual({});
  });
});
