import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@billing/testing/wait';
import { gatewayClient } from './http';
import { startSystem, type RunningSystem } from './system';

const ADMIN = { 'x-api-key': 'dev-admin-key' };
let system: RunningSystem;
const gateway = gatewayClient(() => system, { admin: ADMIN['x-api-key'] }, 'topup');

/**
 * Plain fetch, for the requests the document does not allow and the typed client would not send (wrong
 * types, unknown fields, broken JSON, another media type, no idempotency key at all).
 */
async function raw(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${system.gatewayUrl}${path}`, {
    method,
    headers: { ...ADMIN, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

async function openAccount(type: 'USER' | 'EXTERNAL', ownerId: string, currency = 'USD') {
  const res = await gateway.post('admin', '/api/v1/accounts', {
    ownerId,
    ownerType: type === 'USER' ? 'user' : 'bank',
    currency,
    type,
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

beforeAll(async () => {
  system = await startSystem('topup');
});

afterAll(async () => {
  await system?.stop();
});

describe('a top-up through the gateway, with four services as separate processes', () => {
  let external: string;
  let user: string;

  it('opens an EXTERNAL and a USER account, confirmed by the ledger', async () => {
    external = await openAccount('EXTERNAL', 'bank_001');
    user = await openAccount('USER', 'user_123');
    const account = await waitFor('account visible on the read side', async () => {
      const res = await gateway.get('admin', '/api/v1/accounts/{id}', { path: { id: user } });
      return res.status === 200 ? res.body : undefined;
    });
    expect(account).toMatchObject({
      id: user,
      type: 'USER',
      currency: 'USD',
      balance: '0.00',
      status: 'active',
    });
  });

  it('completes a top-up of 100.00 and shows balances 100.00 and -100.00', async () => {
    const res = await gateway.post(
      'admin',
      '/api/v1/transactions/topup',
      {
        idempotencyKey: 'e2e-topup-0001',
        sourceAccountId: external,
        destinationAccountId: user,
        amount: '100.00',
        currency: 'USD',
      },
      { idempotencyKey: null, waitSeconds: 20 },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'completed', amount: '100.00', currency: 'USD', type: 'topup' });
    expect(res.headers.get('location')).toBe(`/api/v1/transactions/${res.body.transactionId as string}`);

    const tx = await waitFor('transaction completed on the read side', async () => {
      const r = await gateway.get('admin', '/api/v1/transactions/{id}', {
        path: { id: res.body.transactionId as string },
      });
      return r.body.status === 'completed' ? r.body : undefined;
    });
    expect(tx.transactionId).toBe(res.body.transactionId);

    const balances = await waitFor('balances projected', async () => {
      const [u, e] = await Promise.all([
        gateway.get('admin', '/api/v1/accounts/{id}/balance', { path: { id: user } }),
        gateway.get('admin', '/api/v1/accounts/{id}/balance', { path: { id: external } }),
      ]);
      return u.body.balance === '100.00' ? [u.body, e.body] : undefined;
    });
    expect(balances).toEqual([
      { accountId: user, balance: '100.00', availableBalance: '100.00', currency: 'USD', status: 'active' },
      {
        accountId: external,
        balance: '-100.00',
        availableBalance: '-100.00',
        currency: 'USD',
        status: 'active',
      },
    ]);
  });

  it('answers a replay of the same key with the same transaction, and a different body with 409', async () => {
    const body = { sourceAccountId: external, destinationAccountId: user, amount: '5.00', currency: 'USD' };
    const first = await gateway.post('admin', '/api/v1/transactions/topup', body, {
      idempotencyKey: 'e2e-topup-0002',
      waitSeconds: 20,
    });
    expect(first.body.status).toBe('completed');
    const again = await waitFor('replay answered from the read side', async () => {
      const r = await gateway.post('admin', '/api/v1/transactions/topup', body, {
        idempotencyKey: 'e2e-topup-0002',
      });
      return r.status === 200 ? r : undefined;
    });
    expect(again.body.transactionId).toBe(first.body.transactionId);
    const conflict = await gateway.post(
      'admin',
      '/api/v1/transactions/topup',
      { ...body, amount: '6.00' },
      { idempotencyKey: 'e2e-topup-0002' },
    );
    expect(conflict.status).toBe(409);
    expect(conflict.body.code).toBe('IDEMPOTENCY.KEY_REUSED');
    expect((await gateway.as('admin').accounts.balance(user)).balance).toBe('105.00');
  });

  it('answers 202 with a Location at once without Prefer: wait', async () => {
    const res = await gateway.post(
      'admin',
      '/api/v1/transactions/topup',
      {
        idempotencyKey: 'e2e-topup-0003',
        sourceAccountId: external,
        destinationAccountId: user,
        amount: '1.00',
        currency: 'USD',
      },
      { idempotencyKey: null },
    );
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'pending' });
    const done = await waitFor('the pending top-up completes', async () => {
      const r = await gateway.get('admin', '/api/v1/transactions/{id}', {
        path: { id: res.body.transactionId as string },
      });
      return r.body.status === 'completed' ? r.body : undefined;
    });
    expect(done.amount).toBe('1.00');
  });

  describe('refuses bad input at the edge with problem+json and emits nothing', () => {
    const topup = (overrides: Record<string, unknown>) => ({
      idempotencyKey: `bad-input-${Math.random().toString(36).slice(2, 10)}`,
      sourceAccountId: external,
      destinationAccountId: user,
      amount: '1.00',
      currency: 'USD',
      ...overrides,
    });

    it.each([
      ['amount with too many decimals', { amount: '1.001' }, 'AMOUNT.INVALID', 'amount'],
      ['negative amount', { amount: '-5' }, 'AMOUNT.INVALID', 'amount'],
      ['non-numeric amount', { amount: 'abc' }, 'AMOUNT.INVALID', 'amount'],
      ['numeric JSON amount', { amount: 5 }, 'AMOUNT.INVALID', 'amount'],
      ['unknown currency', { currency: 'XYZ' }, 'CURRENCY.UNKNOWN', 'currency'],
      ['unknown field', { colour: 'blue' }, 'REQUEST.INVALID', 'colour'],
      ['missing field', { destinationAccountId: undefined }, 'REQUEST.INVALID', 'destinationAccountId'],
    ])('%s -> 400 %s', async (_name, overrides, code, field) => {
      const res = await raw('POST', '/api/v1/transactions/topup', topup(overrides));
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.code).toBe(code);
      expect(res.body.errors).toContainEqual(expect.objectContaining({ field }));
    });

    it('malformed JSON -> 400 REQUEST.MALFORMED_JSON', async () => {
      const res = await raw('POST', '/api/v1/transactions/topup', '{"amount": ');
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('REQUEST.MALFORMED_JSON');
    });

    it('a body that is not JSON -> 415', async () => {
      const res = await raw('POST', '/api/v1/transactions/topup', 'amount=1', {
        'content-type': 'text/plain',
      });
      expect(res.status).toBe(415);
      expect(res.body.code).toBe('REQUEST.UNSUPPORTED_MEDIA_TYPE');
    });

    it('a missing idempotency key -> 400 IDEMPOTENCY.KEY_REQUIRED', async () => {
      const res = await raw('POST', '/api/v1/transactions/topup', topup({ idempotencyKey: undefined }));
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('IDEMPOTENCY.KEY_REQUIRED');
    });

    it('a top-up funded from a USER account -> 422 ACCOUNT.TYPE_NOT_ALLOWED', async () => {
      const other = await openAccount('USER', 'user_456');
      await waitFor('account projected', async () =>
        (await gateway.get('admin', '/api/v1/accounts/{id}', { path: { id: other } })).status === 200
          ? true
          : undefined,
      );
      const res = await gateway.post(
        'admin',
        '/api/v1/transactions/topup',
        {
          idempotencyKey: `bad-input-${Math.random().toString(36).slice(2, 10)}`,
          sourceAccountId: other,
          destinationAccountId: user,
          amount: '1.00',
          currency: 'USD',
        },
        { idempotencyKey: null },
      );
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('ACCOUNT.TYPE_NOT_ALLOWED');
    });

    it('no API key -> 401 AUTH.UNAUTHENTICATED', async () => {
      const res = await fetch(`${system.gatewayUrl}/api/v1/accounts/${user}`);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { code: string }).code).toBe('AUTH.UNAUTHENTICATED');
    });

    it('an unknown account -> 404 ACCOUNT.NOT_FOUND', async () => {
      const res = await gateway.get('admin', '/api/v1/accounts/{id}/balance', {
        path: { id: '0192f0a0-0000-7000-8000-00000000dead' },
      });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('ACCOUNT.NOT_FOUND');
    });

    it('after all refusals the balance is unchanged: nothing was emitted', async () => {
      expect((await gateway.as('admin').accounts.balance(user)).balance).toBe('106.00');
    });
  });

  it('leaves a ledger that passes ledger:verify', async () => {
    const { exitCode, output } = await system.verifyLedger();
    expect(output).not.toMatch(/FAIL/);
    expect(exitCode).toBe(0);
  });

  it('every service reports live and ready', async () => {
    for (const port of Object.values(system.ports)) {
      expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200);
    }
  });
});
