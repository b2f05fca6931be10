import { createMessage } from '@billing/contracts/catalog';
import { SYSTEM_ACTOR } from '@billing/contracts/envelope';
import { HybridLogicalClock } from '@billing/contracts/hlc';
import { PostEntry } from '@billing/contracts/messages/ledger';
import { topicName } from '@billing/contracts/topics';
import { uuidv7 } from '@billing/contracts/uuid';
import { createKafka } from '@billing/platform/kafka';
import { createLogger } from '@billing/platform/logger';
import { testEnv } from '@billing/testing/env';
import { connectProducer } from '@billing/testing/kafka-probe';
import { waitFor } from '@billing/testing/wait';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayClient } from './http';
import { startSystem, type RunningSystem } from './system';

/**
 * The read side heals itself: an event it never applied (here skipped by moving its stored position
 * past it while it was down, as a lost or dead-lettered event would be) leaves a gap in two account
 * streams; once later events are parked behind the gap for longer than GAP_REPAIR_AFTER_MS, the
 * projection asks the ledger to republish the missing versions, and the views catch up without anyone.
 */
let system: RunningSystem;
let projectionDb: pg.Pool;
let admin: ReturnType<ReturnType<typeof createKafka>['admin']>;
const KEY = 'e2e-heal-admin-key-0001';
const gateway = gatewayClient(() => system, { admin: KEY }, 'heal');

beforeAll(async () => {
  system = await startSystem('heal', {
    env: {
      'command-gateway': { API_KEYS: JSON.stringify([{ key: KEY, role: 'admin' }]) },
      'projection-query': { GAP_REPAIR_AFTER_MS: '1000', GAP_REPAIR_INTERVAL_MS: '200' },
    },
  });
  projectionDb = new pg.Pool({ connectionString: system.databases['projection-query']!, max: 2 });
  const env = testEnv();
  admin = createKafka(
    { brokers: env.kafkaBrokers, clientId: 'e2e-heal', topicPrefix: '', security: env.kafkaSecurity },
    createLogger('e2e-heal', 'warn'),
  ).admin();
  await admin.connect();
});

afterAll(async () => {
  await admin?.disconnect();
  await projectionDb?.end();
  await system?.stop();
});

async function highWatermarks(topic: string): Promise<Map<number, bigint>> {
  const ends = await admin.fetchTopicOffsets(topic);
  return new Map(ends.map((p) => [p.partition, BigInt(p.high)]));
}

async function storedPositions(topic: string): Promise<Map<number, bigint>> {
  const { rows } = await projectionDb.query<{ partition: number; next_offset: string }>(
    'select partition, next_offset from read_model.positions where topic = $1',
    [topic],
  );
  return new Map(rows.map((r) => [r.partition, BigInt(r.next_offset)]));
}

async function topUp(source: string, destination: string, amount: string) {
  const answer = await gateway.post(
    'admin',
    '/api/v1/transactions/topup',
    { sourceAccountId: source, destinationAccountId: destination, amount, currency: 'USD' },
    { waitSeconds: 20 },
  );
  expect(answer.body.status).toBe('completed');
}

async function readBalance(accountId: string): Promise<string | undefined> {
  const answer = await gateway.get('admin', '/api/v1/accounts/{id}/balance', { path: { id: accountId } });
  return answer.status === 200 ? (answer.body.balance as string) : undefined;
}

describe('the read side heals a gap in an account stream', () => {
  it('asks the ledger for a skipped event, applies it and what was parked behind it, and says so', async () => {
    const ledgerTopic = topicName('ledgerEvents', system.topicPrefix);
    const open = async (ownerId: string, type: 'USER' | 'EXTERNAL') =>
      (
        await gateway
          .as('admin')
          .accounts.open(
            { ownerId, ownerType: type === 'EXTERNAL' ? 'bank' : 'user', currency: 'USD', type },
            { waitSeconds: 20 },
          )
      ).body.id;
    const bank = await open('bank', 'EXTERNAL');
    const user = await open('heal-user', 'USER');
    await topUp(bank, user, '100.00');
    await waitFor('the first top-up on the read side', async () =>
      (await readBalance(user)) === '100.00' ? true : undefined,
    );
    // Everything on the ledger topic is applied before the projection goes down.
    await waitFor('the projection caught up', async () => {
      const [ends, stored] = [await highWatermarks(ledgerTopic), await storedPositions(ledgerTopic)];
      return [...ends].every(([p, high]) => high === 0n || stored.get(p) === high) ? true : undefined;
    });

    await system.supervisor.kill('projection-query', 'SIGKILL');
    const before = await highWatermarks(ledgerTopic);
    // The gateway needs the read side to accept a movement, so this entry goes to the ledger directly,
    // as the orchestrator would send it.
    const producer = await connectProducer(testEnv().kafkaBrokers);
    const command = createMessage(
      PostEntry,
      {
        commandId: uuidv7(),
        transactionId: uuidv7(),
        transactionType: 'topup',
        step: 'post',
        currency: 'USD',
        postings: [
          { accountId: bank, side: 'debit', amount: '50.00' },
          { accountId: user, side: 'credit', amount: '50.00' },
        ],
      },
      {
        actor: SYSTEM_ACTOR,
        hlc: new HybridLogicalClock('e2e-heal').now(),
        causedBy: null,
        nowMs: Date.now(),
      },
    );
    await producer.send({
      topic: topicName('ledgerCommands', system.topicPrefix),
      acks: -1,
      messages: [{ key: bank, value: JSON.stringify(command) }],
    });
    await producer.disconnect();
    const grown = await waitFor('the ledger published the second top-up', async () => {
      const after = await highWatermarks(ledgerTopic);
      const moved = [...after].filter(([p, high]) => high !== before.get(p));
      return moved.length > 0 ? moved : undefined;
    });
    expect(grown).toHaveLength(1); // the one EntryPosted of the second entry
    const [partition, end] = grown[0]!;
    // The event is lost to the read side: its position moves past it.
    await projectionDb.query(
      'update read_model.positions set next_offset = $1 where topic = $2 and partition = $3',
      [end.toString(), ledgerTopic, partition],
    );
    system.supervisor.restart('projection-query');
    await system.ready('projection-query');

    await topUp(bank, user, '25.00');
    const healedAt = Date.now();
    await waitFor(
      'the read side healed',
      async () => ((await readBalance(user)) === '175.00' ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(Date.now() - healedAt).toBeLessThan(30_000);
    await waitFor('the healed log line', () =>
      system.logs.some((l) => l.includes(`read-side gap healed: account ${user}`)) ? true : undefined,
    );
    expect(system.logs.some((l) => l.includes(`republished`) && l.includes(user))).toBe(true);
    const metrics = await (
      await fetch(`http://127.0.0.1:${system.ports['projection-query']}/metrics`)
    ).text();
    const healed = Number(/^projection_gaps_healed_total (\d+)$/m.exec(metrics)?.[1]);
    expect(healed).toBeGreaterThanOrEqual(1);
    const parked = await projectionDb.query('select count(*)::int as n from read_model.pending_events');
    expect(parked.rows).toEqual([{ n: 0 }]);

    const trial = await gateway.as('admin').reports.trialBalance();
    expect(trial.currencies).toEqual([expect.objectContaining({ currency: 'USD', net: '0.00' })]);
    const verified = await system.verifyLedger();
    expect(verified.exitCode, verified.output).toBe(0);
  });
});
