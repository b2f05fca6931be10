import { waitFor } from '@billing/testing/wait';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayClient, type BodyOf, type RouteOf } from './http';
import { startSystem, type RunningSystem } from './system';

/** Real keys instead of the development key: an admin and two owners. */
const KEYS = { admin: 'e2e-admin-key-0000001', alice: 'e2e-alice-key-0000001', bob: 'e2e-bob-key-00000001' };
let system: RunningSystem;
const gateway = gatewayClient(() => system, KEYS, 'authz');
type Who = keyof typeof KEYS;

const usd = (amount: string) => ({ amount, currency: 'USD' });
const STATUS = '/api/v1/accounts/{id}/status';
const wait = { waitSeconds: 20 };
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
  const open = async (who: Who, ownerId: string, type: 'USER' | 'EXTERNAL') =>
    (await gateway.as(who).accounts.open({ ownerId, ownerType: 'user', currency: 'USD', type })).body.id;
  bank = await open('admin', 'bank_1', 'EXTERNAL');
  alices = await open('alice', 'alice', 'USER');
  bobs = await open('bob', 'bob', 'USER');
  shop = await open('bob', 'bob', 'USER');
  for (const account of [alices, bobs]) {
    const topup = await gateway.post(
      'admin',
      '/api/v1/transactions/topup',
      { sourceAccountId: bank, destinationAccountId: account, ...usd('100.00') },
      wait,
    );
    expect(topup.body.status).toBe('completed');
  }
  const payment = await gateway.post(
    'bob',
    '/api/v1/transactions/payment',
    { customerAccountId: bobs, merchantAccountId: shop, ...usd('10.00') },
    wait,
  );
  expect(payment.body.status).toBe('completed');
  bobsPayment = payment.body.transactionId as string;
  await waitFor('read side caught up', async () =>
    (await gateway.get('admin', '/api/v1/transactions/{id}', { path: { id: bobsPayment } })).status === 200
      ? true
      : undefined,
  );
});

afterAll(async () => {
  await system?.stop();
});

describe("authorization matrix: owner alice against bob's resources", () => {
  it.each([
    ['/api/v1/accounts/{id}', () => bobs],
    ['/api/v1/accounts/{id}/balance', () => bobs],
    ['/api/v1/accounts/{id}/transactions', () => bobs],
    ['/api/v1/accounts/{id}/statement', () => bobs],
    ['/api/v1/transactions/{id}', () => bobsPayment],
  ] as const)("GET %s answers 404 for bob's resource", async (path, id) => {
    const res = await gateway.get('alice', path, { path: { id: id() } });
    expect(res.status).toBe(404);
    expect(res.body.code).toMatch(/NOT_FOUND$/);
  });

  it.each<[string, RouteOf<'post'>, () => BodyOf<RouteOf<'post'>, 'post'>]>([
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
    const res = await gateway.post('alice', path, body());
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('ACCOUNT.NOT_FOUND');
  });

  it("cannot refund bob's payment: the ledger refuses to debit bob's merchant account", async () => {
    const res = await gateway.post(
      'alice',
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
        await gateway.post('alice', '/api/v1/accounts', {
          ownerId: 'bob',
          ownerType: 'user',
          currency: 'USD',
          type: 'USER',
        })
      ).status,
    ).toBe(403);
    expect(
      (await gateway.patch('alice', STATUS, { path: { id: bobs } }, { status: 'suspended' })).status,
    ).toBe(404);
    expect(
      (await gateway.patch('alice', STATUS, { path: { id: alices } }, { status: 'suspended' })).status,
    ).toBe(403);
    expect((await gateway.get('alice', '/api/v1/reports/trial-balance')).status).toBe(403);
    expect((await gateway.get('alice', '/api/v1/transactions', { query: { status: 'stuck' } })).status).toBe(
      403,
    );
  });

  it("lists only alice's own accounts, and bob's balance is untouched by every attempt", async () => {
    const mine = await gateway.get('alice', '/api/v1/accounts', { query: { ownerId: 'alice' } });
    expect(mine.status).toBe(200);
    expect((mine.body.items as { id: string }[]).map((a) => a.id)).toEqual([alices]);
    const theirs = await gateway.get('alice', '/api/v1/accounts', { query: { ownerId: 'bob' } });
    expect(theirs.body.items).toEqual([]);
    expect((await gateway.as('bob').accounts.balance(bobs)).balance).toBe('90.00');
  });

  it('alice uses her own account on every route', async () => {
    const own = { path: { id: alices } };
    expect((await gateway.get('alice', '/api/v1/accounts/{id}', own)).status).toBe(200);
    expect((await gateway.get('alice', '/api/v1/accounts/{id}/transactions', own)).status).toBe(200);
    const transfer = await gateway.post(
      'alice',
      '/api/v1/transactions/transfer',
      { sourceAccountId: alices, destinationAccountId: bobs, ...usd('5.00') },
      wait,
    );
    expect(transfer.body.status).toBe('completed');
    // The read side may not have folded the transfer yet when the wait answers: 404 until it has.
    await waitFor('alice reads her transfer', async () =>
      (
        await gateway.get('alice', '/api/v1/transactions/{id}', {
          path: { id: transfer.body.transactionId as string },
        })
      ).status === 200
        ? true
        : undefined,
    );
  });
});

describe('account status changes by an admin', () => {
  it('suspends an account, which then cannot move money, and reactivates it', async () => {
    const suspended = await gateway.patch(
      'admin',
      STATUS,
      { path: { id: alices } },
      { status: 'suspended', reason: 'review' },
    );
    expect(suspended).toMatchObject({ status: 200, body: { status: 'suspended', previousStatus: 'active' } });
    const refused = await gateway.post(
      'alice',
      '/api/v1/transactions/transfer',
      { sourceAccountId: alices, destinationAccountId: bobs, ...usd('1.00') },
      wait,
    );
    expect(refused.body).toMatchObject({ status: 'failed', reason: { code: 'ACCOUNT.INACTIVE' } });
    const active = await gateway.patch('admin', STATUS, { path: { id: alices } }, { status: 'active' });
    expect(active.body).toMatchObject({ status: 'active', previousStatus: 'suspended' });
  });

  it('refuses to close an account that still holds money (409/422 with a code) and rejects an unknown status (400)', async () => {
    const close = await gateway.patch('admin', STATUS, { path: { id: bobs } }, { status: 'closed' });
    expect(close.status).toBe(422);
    expect(close.body.code).toBe('ACCOUNT.NOT_EMPTY');
    // A status the document does not allow: sent untyped on purpose.
    expect(
      (await gateway.raw('admin', 'PATCH', `/api/v1/accounts/${bobs}/status`, { status: 'frozen' })).status,
    ).toBe(400);
  });
});
