import pg from 'pg';
import { waitFor } from '@billing/testing/wait';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayClient } from './http';
import { startSystem, type RunningSystem } from './system';

let system: RunningSystem;
const gateway = gatewayClient(() => system, { admin: 'dev-admin-key' }, 'crash');

async function ledgerQuery<T>(sql: string, params: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: system.databases['account-ledger'] });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  // Every provider answer takes 1.5 s, which leaves a window between the hold and the capture.
  system = await startSystem('crash', {
    simulator: { latencyMs: 1500 },
    env: { 'saga-orchestrator': { PROVIDER_TIMEOUT_MS: '4000', PROVIDER_BACKOFF_MS: '200' } },
  });
});

afterAll(async () => {
  await system?.stop();
});

describe('the orchestrator killed between the hold and the capture', () => {
  it('completes the bill payment exactly once after a restart', async () => {
    const admin = gateway.as('admin');
    const bank = (
      await admin.accounts.open({ ownerId: 'bank_1', ownerType: 'bank', currency: 'USD', type: 'EXTERNAL' })
    ).body.id;
    const user = (
      await admin.accounts.open({ ownerId: 'user_1', ownerType: 'user', currency: 'USD', type: 'USER' })
    ).body.id;
    const topup = await admin.transactions.topUp(
      {
        idempotencyKey: 'crash-topup-1',
        sourceAccountId: bank,
        destinationAccountId: user,
        amount: '100.00',
        currency: 'USD',
      },
      { idempotencyKey: 'crash-topup-1', waitSeconds: 20 },
    );
    expect(topup.body.status).toBe('completed');

    const bill = await gateway.post(
      'admin',
      '/api/v1/bills/pay',
      {
        idempotencyKey: 'crash-bill-1',
        accountId: user,
        billType: 'electricity',
        provider: 'ekedc',
        meterNumber: '12345678901',
        amount: '25.00',
        currency: 'USD',
      },
      { idempotencyKey: null },
    );
    expect(bill.status).toBe(202);
    const transactionId = bill.body.transactionId as string;

    // The hold is placed; the provider call is under way (1.5 s): kill the orchestrator now.
    await waitFor(
      'the hold to be placed',
      async () => {
        const holds = await ledgerQuery<{ status: string }>(
          'select status from holds where transaction_id = $1',
          [transactionId],
        );
        return holds[0]?.status === 'open' ? true : undefined;
      },
      { intervalMs: 20 },
    );
    await system.supervisor.kill('saga-orchestrator', 'SIGKILL');
    const midway = await ledgerQuery<{ status: string }>(
      'select status from holds where transaction_id = $1',
      [transactionId],
    );
    expect(midway[0]?.status).toBe('open');

    system.supervisor.restart('saga-orchestrator');
    await system.ready('saga-orchestrator');
    const done = await waitFor(
      'the bill payment to complete',
      async () => {
        const tx = await gateway.get('admin', '/api/v1/transactions/{id}', { path: { id: transactionId } });
        return tx.body.status === 'completed' ? tx.body : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(done).toMatchObject({ type: 'bill_payment', amount: '25.00', status: 'completed' });

    // Exactly once: one capture entry, one captured hold, one charge at the provider, the right balance.
    const entries = await ledgerQuery<{ step: string }>(
      'select step from journal_entries where transaction_id = $1',
      [transactionId],
    );
    expect(entries.map((e) => e.step)).toEqual(['capture']);
    const holds = await ledgerQuery<{ status: string }>(
      'select status from holds where transaction_id = $1',
      [transactionId],
    );
    expect(holds).toEqual([{ status: 'captured' }]);
    expect(system.simulator.stats().purchases.succeeded).toBe(1);
    const balance = await waitFor('balance projected', async () => {
      const b = await gateway.get('admin', '/api/v1/accounts/{id}/balance', { path: { id: user } });
      return b.body.balance === '75.00' ? b.body : undefined;
    });
    expect(balance.balance).toBe('75.00');
    const verify = await system.verifyLedger();
    expect(verify.exitCode, verify.output).toBe(0);
  });
});
