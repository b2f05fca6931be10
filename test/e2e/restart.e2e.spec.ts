import { waitFor } from '@billing/testing/wait';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type RunningSystem } from './system';

/**
 * The local launcher behaves as a cluster would: a service that dies (here SIGKILL, as the kernel's
 * OOM killer or an operator would) is started again with back-off while the others keep running, and
 * the system goes on serving.
 */
let system: RunningSystem;
const H = { 'content-type': 'application/json', 'x-api-key': 'e2e-restart-admin-key-01' };

beforeAll(async () => {
  system = await startSystem('restart', {
    env: { 'command-gateway': { API_KEYS: JSON.stringify([{ key: H['x-api-key'], role: 'admin' }]) } },
  });
});

afterAll(async () => {
  await system?.stop();
});

async function post(path: string, body: unknown, key?: string) {
  const res = await fetch(`${system.gatewayUrl}${path}`, {
    method: 'POST',
    headers: { ...H, prefer: 'wait=20', ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify(body),
  });
  return (await res.json()) as { id?: string; status?: string; transactionId?: string };
}

describe('the launcher restarts a crashed service', () => {
  it('starts a SIGKILLed ledger again, says so, and the next top-up completes', async () => {
    const before = system.supervisor.pids()['account-ledger']!;
    const others = { ...system.supervisor.pids() };
    process.kill(before, 'SIGKILL');
    const restartedPid = await waitFor(
      'a new ledger process',
      () => {
        const pid = system.supervisor.pids()['account-ledger'];
        return pid !== undefined && pid !== before ? pid : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    await system.ready('account-ledger');
    expect(restartedPid).not.toBe(before);
    expect(
      system.logs.some((l) => /account-ledger \| exited \(SIGKILL\); restarting in \d+ ms/.test(l)),
    ).toBe(true);
    // Nobody else was stopped or restarted.
    for (const name of ['command-gateway', 'saga-orchestrator', 'projection-query'])
      expect(system.supervisor.pids()[name]).toBe(others[name]);

    const bank = await post('/api/v1/accounts', {
      ownerId: 'bank',
      ownerType: 'bank',
      currency: 'USD',
      type: 'EXTERNAL',
    });
    const user = await post('/api/v1/accounts', {
      ownerId: 'u1',
      ownerType: 'user',
      currency: 'USD',
      type: 'USER',
    });
    const topup = await post(
      '/api/v1/transactions/topup',
      { sourceAccountId: bank.id, destinationAccountId: user.id, amount: '10.00', currency: 'USD' },
      `restart-${Date.now()}`,
    );
    expect(topup.status).toBe('completed');
  });
});
