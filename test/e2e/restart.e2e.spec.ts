import { waitFor } from '@billing/testing/wait';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayClient } from './http';
import { startSystem, type RunningSystem } from './system';

/**
 * The local launcher behaves as a cluster would: a service that dies (here SIGKILL, as the kernel's
 * OOM killer or an operator would) is started again with back-off while the others keep running, and
 * the system goes on serving.
 */
let system: RunningSystem;
const KEY = 'e2e-restart-admin-key-01';
const gateway = gatewayClient(() => system, { admin: KEY }, 'restart');

beforeAll(async () => {
  system = await startSystem('restart', {
    env: { 'command-gateway': { API_KEYS: JSON.stringify([{ key: KEY, role: 'admin' }]) } },
  });
});

afterAll(async () => {
  await system?.stop();
});

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

    const admin = gateway.as('admin');
    const wait = { waitSeconds: 20 };
    const bank = await admin.accounts.open(
      { ownerId: 'bank', ownerType: 'bank', currency: 'USD', type: 'EXTERNAL' },
      wait,
    );
    const user = await admin.accounts.open(
      { ownerId: 'u1', ownerType: 'user', currency: 'USD', type: 'USER' },
      wait,
    );
    const topup = await admin.transactions.topUp(
      {
        sourceAccountId: bank.body.id,
        destinationAccountId: user.body.id,
        amount: '10.00',
        currency: 'USD',
      },
      { ...wait, idempotencyKey: `restart-${Date.now()}` },
    );
    expect(topup.body.status).toBe('completed');
  });
});
