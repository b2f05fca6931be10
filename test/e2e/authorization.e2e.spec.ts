import { waitFor } from '@billing/testing/wait';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayClient } from './http';
import { startSystem, type RunningSystem } from './system';

/** Real keys instead of the development key: an admin and two owners. */
const KEYS = { admin: 'e2e-admin-key-0000001', alice: 'e2e-alice-key-0000001', bob: 'e2e-bob-key-00000001' };
let system: RunningSystem;
const call = gatewayClient(() => system, KEYS, 'authz');

const usd = (amount: string) => ({ amount, currency: 'USD' });
const wait = { prefer: 'wait=20' };
let bank: string;
let alices: string;
let bobs: string;
let shop: string;
let bobsPayment: string;

beforeAll(async () => {
  system = await startSystem('authz', {
    env: {
      'command-gateway': {
        API_KEYS: JSON.stringify([
          { key: KEYS.admin, role: 'admin' },
          { key: KEYS.alice, role: 'owner', ownerId: 'alice' },
          { key: KEYS.bob, role: 'owner', ownerId: 'bob' },
        ]),
      },
    },
  });
  const open = async (who: keyof typeof KEYS, ownerId: string, type: string) =>
    (await call(who, 'POST', '/api/v1/accounts', { ownerId, ownerType: 'user', currency: 'USD', type })).body
      .id as string;
  bank = await open('admin', 'bank_1', 'EXTERNAL');
  alices = await open('alice', 'alice', 'USER');
  bobs = await open('bob', 'bob', 'USER');
  shop = await open('bob', 'bob', 'USER');
  for (const account of [alices, bobs]) {
    const topup = await call(
      'admin',
      'POST',
      '/api/v1/transactions/topup',
      { sourceAccountId: bank, destinationAccountId: account, ...usd('100.00') },
      wait,
    );
    expect(topup.body.status).toBe('completed');
  }
  const payment = await call(
    'bob',
    'POST',
    '/api/v1/transactions/payment',
    { customerAccountId: bobs, merchantAccountId: shop, ...usd('10.00') },
    wait,
  );
  expect(payment.body.status).toBe('completed');
  bobsPayment = payment.body.transactionId as string;
  await waitFor('read side caught up', async () =>
    (await call('admin', 'GET', `/api/v1/transactions/${bobsPayment}`)).status === 200 ? true : undefined,
  );
});

afterAll(async () => {
  await system?.stop();
});

describe("authorization matrix: owner alice against bob's resources", () => {
  it.each([
    ['GET', () => `/api/v1/accounts/${bobs}`],
    ['GET', () => `/api/v1/accounts/${bobs}/balance`],
    ['GET', () => `/api/v1/accounts/${bobs}/transactions`],
    ['GET', () => `/api/v1/accounts/${bobs}/statement`],
    ['GET', () => `/api/v1/transactions/${bobsPayment}`],
  ])("%s %s answers 404 for bob's resource", async (method, path) => {
    const res = await call('alice', method, path());
    expect(res.status).toBe(404);
    expect(res.body.code).toMatch(/NOT_FOUND$/);
  });

  it.each([
    [
      'transfer out of',
      '/api/v1/transactions/transfer',
      () => ({ sourceAccountId: bobs, destinationAccountId: alices, ...usd('1.00') }),
    ],
    [
      'withdraw from',
      '/api/v1/transactions/withdraw',
      () => ({ sourceAccountId: bobs, destinationAccountId: bank, ...usd('1.00') }),
    ],
    [
      'pay with',
      '/api/v1/transactions/payment',
      () => ({ customerAccountId: bobs, merchantAccountId: alices, ...usd('1.00') }),
    ],
    [
      'top up',
      '/api/v1/transactions/topup',
      () => ({
        destinationAccountId: bobs,
        funding: { method: 'card', sourceReference: 'tok_visa_4242' },
        ...usd('1.00'),
      }),
    ],
    [
      'pay a bill from',
      '/api/v1/bills/pay',
      () => ({
        accountId: bobs,
        billType: 'electricity',
        provider: 'ekedc',
        meterNumber: '12345678',
        ...usd('1.00'),
      }),
    ],
  ])("cannot %s bob's account: 404, nothing moves", async (_what, path, body) => {
    const res = await call('alice', 'POST', path, body());
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('ACCOUNT.NOT_FOUND');
  });

  it("cannot refund bob's payment: the ledger refuses to debit bob's merchant account", async () => {
    const res = await call(
      'alice',
      'POST',
      '/api/v1/transactions/refund',
      { originalPaymentId: bobsPayment, ...usd('1.00') },
      wait,
    );
    expect(res.body).toMatchObject({ status: 'failed' });
    // The refusal does not tell alice whether bob's account exists or what it is.
    expect(['AUTH.FORBIDDEN', 'ACCOUNT.UNAVAILABLE']).toContain(res.body.reason?.code);
  });

  it("cannot open an account for bob, change bob's status, or see admin reports", async () => {
    expect(
      (
        await call('alice', 'POST', '/api/v1/accounts', {
          ownerId: 'bob',
          ownerType: 'user',
          currency: 'USD',
          type: 'USER',
        })
      ).status,
    ).toBe(403);
    expect(
      (await call('alice', 'PATCH', `/api/v1/accounts/${bobs}/status`, { status: 'suspended' })).status,
    ).toBe(404);
    expect(
      (await call('alice', 'PATCH', `/api/v1/accounts/${alices}/status`, { status: 'suspended' })).status,
    ).toBe(403);
    expect((await call('alice', 'GET', '/api/v1/reports/trial-balance')).status).toBe(403);
    expect((await call('alice', 'GET', '/api/v1/transactions?status=stuck')).status).toBe(403);
  });

  it("lists only alice's own accounts, and bob's balance is untouched by every attempt", async () => {
    const mine = await call('alice', 'GET', '/api/v1/accounts?ownerId=alice');
    expect(mine.status).toBe(200);
    expect((mine.body.items as { id: string }[]).map((a) => a.id)).toEqual([alices]);
    const theirs = await call('alice', 'GET', '/api/v1/accounts?ownerId=bob');
    expect(theirs.body.items).toEqual([]);
    expect((await call('bob', 'GET', `/api/v1/accounts/${bobs}/balance`)).body.balance).toBe('90.00');
  });

  it('alice uses her own account on every route', async () => {
    expect((await call('alice', 'GET', `/api/v1/accounts/${alices}`)).status).toBe(200);
    expect((await call('alice', 'GET', `/api/v1/accounts/${alices}/transactions`)).status).toBe(200);
    const transfer = await call(
      'alice',
      'POST',
      '/api/v1/transactions/transfer',
      { sourceAccountId: alices, destinationAccountId: bobs, ...usd('5.00') },
      wait,
    );
    expect(transfer.body.status).toBe('completed');
    expect(
      (await call('alice', 'GET', `/api/v1/transactions/${transfer.body.transactionId as string}`)).status,
    ).toBe(200);
  });
});

describe('account status changes by an admin', () => {
  it('suspends an account, which then cannot move money, and reactivates it', async () => {
    const suspended = await call('admin', 'PATCH', `/api/v1/accounts/${alices}/status`, {
      status: 'suspended',
      reason: 'review',
    });
    expect(suspended).toMatchObject({ status: 200, body: { status: 'suspended', previousStatus: 'active' } });
    const refused = await call(
      'alice',
      'POST',
      '/api/v1/transactions/transfer',
      { sourceAccountId: alices, destinationAccountId: bobs, ...usd('1.00') },
      wait,
    );
    expect(refused.body).toMatchObject({ status: 'failed', reason: { code: 'ACCOUNT.INACTIVE' } });
    const active = await call('admin', 'PATCH', `/api/v1/accounts/${alices}/status`, { status: 'active' });
    expect(active.body).toMatchObject({ status: 'active', previousStatus: 'suspended' });
  });

  it('refuses to close an account that still holds money (409/422 with a code) and rejects an unknown status (400)', async () => {
    const close = await call('admin', 'PATCH', `/api/v1/accounts/${bobs}/status`, { status: 'closed' });
    expect(close.status).toBe(422);
    expect(close.body.code).toBe('ACCOUNT.NOT_EMPTY');
    expect(
      (await call('admin', 'PATCH', `/api/v1/accounts/${bobs}/status`, { status: 'frozen' })).status,
    ).toBe(400);
  });
});
