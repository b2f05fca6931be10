import { createKafka } from '@billing/platform/kafka';
import { createLogger } from '@billing/platform/logger';
import { testEnv } from '@billing/testing/env';
import { waitFor } from '@billing/testing/wait';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayClient } from './http';
import { startSystem, type RunningSystem } from './system';

/**
 * Operators' actions against the four services: a top-up whose ledger answer was lost (the ledger
 * posted it, the orchestrator never heard: its position on the ledger events was moved past the answer
 * while it was down, as a lost or dead-lettered event would be) stays pending; an admin's retry sends the
 * same PostEntry again, the ledger answers it as a replay, and the top-up completes with the money moved
 * once. Flags show in the read model, owners are refused, a finished transaction is not retryable.
 */
let system: RunningSystem;
const KEYS = { admin: 'e2e-ops-admin-key-0001', alice: 'e2e-ops-alice-key-0001' };
const gw = gatewayClient(() => system, KEYS, 'ops');
// The admin routes are called untyped here (status and body as answered); the typed client's
// operations.* methods are exercised by the console's tests.
const call = (
  who: keyof typeof KEYS,
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => gw.raw(who, method, path, body, headers);
let bank: string;
let alices: string;
let stuckTopUp: string;

async function query<T>(service: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: system.databases[service] });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

const nothingUnpublished = (service: string) =>
  waitFor(`${service} outbox published`, async () => {
    const [row] = await query<{ n: number }>(
      service,
      'select count(*)::int as n from outbox where published_at is null and failed_at is null',
    );
    return row!.n === 0 ? true : undefined;
  });

beforeAll(async () => {
  system = await startSystem('ops', {
    env: {
      'command-gateway': {
        API_KEYS: JSON.stringify([
          { key: KEYS.admin, role: 'admin' },
          { key: KEYS.alice, role: 'owner', ownerId: 'alice' },
        ]),
      },
      // No automatic resend within the test: only the operator re-drives the step.
      'saga-orchestrator': { STEP_DEADLINE_MS: '3600000', STEP_RESENDS_MAX: '0' },
      'projection-query': { STUCK_AFTER_MS: '1000' },
    },
  });
  const open = async (who: keyof typeof KEYS, ownerId: string, type: string) =>
    (await call(who, 'POST', '/api/v1/accounts', { ownerId, ownerType: 'user', currency: 'USD', type })).body
      .id as string;
  bank = await open('admin', 'bank_1', 'EXTERNAL');
  alices = await open('alice', 'alice', 'USER');
});

afterAll(async () => {
  await system?.stop();
});

/** Runs a top-up whose EntryPosted the orchestrator never sees, and returns its id once it is stuck. */
async function topUpWithLostAnswer(amount: string, balanceAfter: string): Promise<string> {
  await system.supervisor.kill('account-ledger', 'SIGTERM');
  const accepted = await call('admin', 'POST', '/api/v1/transactions/topup', {
    sourceAccountId: bank,
    destinationAccountId: alices,
    amount,
    currency: 'USD',
  });
  expect(accepted.status).toBe(202);
  const transactionId = accepted.body.transactionId as string;
  await nothingUnpublished('saga-orchestrator');
  await system.supervisor.kill('saga-orchestrator', 'SIGTERM');

  system.supervisor.restart('account-ledger');
  await system.ready('account-ledger');
  await waitFor('the ledger to post the entry', async () => {
    const rows = await query('account-ledger', 'select 1 from journal_entries where transaction_id = $1', [
      transactionId,
    ]);
    return rows.length === 1 ? true : undefined;
  });
  // The read side applied the entry, so its EntryPosted is on the topic.
  await waitFor('the entry to reach the read side', async () => {
    const b = await call('alice', 'GET', `/api/v1/accounts/${alices}/balance`);
    return b.body.balance === balanceAfter ? true : undefined;
  });

  // The answer is on the topic; the orchestrator's group skips past it while nobody is in the group.
  const env = testEnv();
  const admin = createKafka(
    { brokers: env.kafkaBrokers, clientId: 'e2e-ops', topicPrefix: '', security: env.kafkaSecurity },
    createLogger('e2e-ops', 'warn'),
  ).admin();
  await admin.connect();
  try {
    // The orchestrator reads requests and ledger outcomes in one group; only the outcomes are skipped.
    const groupId = `${system.topicPrefix}saga-orchestrator.workflows`;
    await waitFor('the orchestrator to leave its group', async () => {
      const [group] = (await admin.describeGroups([groupId])).groups;
      return group?.members.length === 0 ? true : undefined;
    });
    const topic = `${system.topicPrefix}billing.ledger.events`;
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({
      groupId,
      topic,
      partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })),
    });
  } finally {
    await admin.disconnect();
  }
  system.supervisor.restart('saga-orchestrator');
  await system.ready('saga-orchestrator');
  return transactionId;
}

describe('operator actions on a transaction', () => {
  it('lists a top-up whose answer was lost as stuck; an admin flags it and the flag shows in the read model and the filtered list', async () => {
    stuckTopUp = await topUpWithLostAnswer('40.00', '40.00');
    const listed = await waitFor('the top-up to be listed as stuck', async () => {
      const page = await call('admin', 'GET', '/api/v1/transactions?status=stuck');
      const items = (page.body.items ?? []) as { transactionId: string }[];
      return items.some((i) => i.transactionId === stuckTopUp) ? page : undefined;
    });
    expect(listed.status).toBe(200);

    const flagged = await call('admin', 'POST', `/api/v1/admin/transactions/${stuckTopUp}/investigation`, {
      note: 'the ledger posted it but the saga never heard',
    });
    expect(flagged.status).toBe(200);
    expect(flagged.body).toMatchObject({
      transactionId: stuckTopUp,
      action: 'flag',
      outcome: 'flagged',
      note: 'the ledger posted it but the saga never heard',
      actor: { kind: 'admin' },
      replayed: false,
    });
    const view = await waitFor('the flag in the read model', async () => {
      const tx = await call('admin', 'GET', `/api/v1/transactions/${stuckTopUp}`);
      return tx.body.investigation ? tx.body : undefined;
    });
    expect(view).toMatchObject({
      status: 'pending',
      investigation: { note: 'the ledger posted it but the saga never heard', flaggedBy: { kind: 'admin' } },
    });
    const onlyFlagged = await call('admin', 'GET', '/api/v1/transactions?status=stuck&flagged=true');
    expect((onlyFlagged.body.items as { transactionId: string }[]).map((i) => i.transactionId)).toContain(
      stuckTopUp,
    );
    const unflagged = await call('admin', 'GET', '/api/v1/transactions?status=stuck&flagged=false');
    expect((unflagged.body.items as { transactionId: string }[]).map((i) => i.transactionId)).not.toContain(
      stuckTopUp,
    );
  });

  it('refuses an owner with 403 and an unknown transaction with 404', async () => {
    const owner = await call('alice', 'POST', `/api/v1/admin/transactions/${stuckTopUp}/retry`, {});
    expect(owner.status).toBe(403);
    expect(owner.body.code).toBe('AUTH.FORBIDDEN');
    const ownerFlag = await call('alice', 'POST', `/api/v1/admin/transactions/${stuckTopUp}/investigation`, {
      note: 'mine',
    });
    expect(ownerFlag.status).toBe(403);
    const unknown = await call(
      'admin',
      'POST',
      '/api/v1/admin/transactions/0192f0a0-0000-7000-8000-0000000000ff/retry',
      {},
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('TRANSACTION.NOT_FOUND');
  });

  it('retries the stuck step: the same PostEntry is answered as a replay and the top-up completes with the money moved once', async () => {
    const before = await call('admin', 'GET', `/api/v1/transactions/${stuckTopUp}`);
    expect(before.body.status).toBe('pending');
    const key = { 'idempotency-key': 'ops-retry-0001' };
    const retried = await call('admin', 'POST', `/api/v1/admin/transactions/${stuckTopUp}/retry`, {}, key);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ action: 'retry', outcome: 'retried', step: 'PostEntry post' });
    const done = await waitFor(
      'the top-up to complete',
      async () => {
        const tx = await call('admin', 'GET', `/api/v1/transactions/${stuckTopUp}`);
        return tx.body.status === 'completed' ? tx.body : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(done).toMatchObject({ amount: '40.00', status: 'completed' });

    // Exactly once: one entry for the transaction, and the balance holds the amount once.
    const entries = await query<{ step: string }>(
      'account-ledger',
      'select step from journal_entries where transaction_id = $1',
      [stuckTopUp],
    );
    expect(entries).toEqual([{ step: 'post' }]);
    const balance = await call('alice', 'GET', `/api/v1/accounts/${alices}/balance`);
    expect(balance.body.balance).toBe('40.00');

    // The same key again: what was done then, nothing done again.
    const repeated = await call('admin', 'POST', `/api/v1/admin/transactions/${stuckTopUp}/retry`, {}, key);
    expect(repeated.status).toBe(200);
    expect(repeated.body).toMatchObject({ outcome: 'retried', step: 'PostEntry post', replayed: true });
    // A new retry of the completed transaction is refused.
    const late = await call('admin', 'POST', `/api/v1/admin/transactions/${stuckTopUp}/retry`, {});
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('TRANSACTION.NOT_RETRYABLE');
    // The same key with another action is a reused key.
    const reused = await call(
      'admin',
      'POST',
      `/api/v1/admin/transactions/${stuckTopUp}/investigation`,
      { note: 'other terms' },
      key,
    );
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe('IDEMPOTENCY.KEY_REUSED');
    const verify = await system.verifyLedger();
    expect(verify.exitCode, verify.output).toBe(0);
  });

  it('clears the flag once; the timeline shows the flag, the retry and the clearing with who and why', async () => {
    const cleared = await call(
      'admin',
      'POST',
      `/api/v1/admin/transactions/${stuckTopUp}/investigation/clear`,
      {
        note: 'answer replayed by the ledger',
      },
    );
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({ outcome: 'cleared', note: 'answer replayed by the ledger' });
    const again = await call(
      'admin',
      'POST',
      `/api/v1/admin/transactions/${stuckTopUp}/investigation/clear`,
      {},
    );
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('INVESTIGATION.NOT_FLAGGED');
    const timeline = await waitFor('the actions in the timeline', async () => {
      const t = await call('admin', 'GET', `/api/v1/transactions/${stuckTopUp}/timeline`);
      const kinds = ((t.body.steps ?? []) as { kind: string }[]).map((s) => s.kind);
      return kinds.includes('investigation_cleared') ? t.body : undefined;
    });
    const steps = timeline.steps as { kind: string; label: string; note: string | null; actor: unknown }[];
    expect(steps.filter((s) => s.actor !== null)).toEqual([
      expect.objectContaining({
        kind: 'investigation_flagged',
        note: 'the ledger posted it but the saga never heard',
      }),
      expect.objectContaining({
        kind: 'step_retried',
        label: 'PostEntry post',
        actor: { kind: 'admin', id: expect.any(String) },
      }),
      expect.objectContaining({ kind: 'investigation_cleared', note: 'answer replayed by the ledger' }),
    ]);
    const tx = await call('admin', 'GET', `/api/v1/transactions/${stuckTopUp}`);
    expect(tx.body.investigation).toBeNull();
  });
});
