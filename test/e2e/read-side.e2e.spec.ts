import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@billing/testing/wait';
import { gatewayClient, type ParamsOf, type RouteOf } from './http';
import { startSystem, type RunningSystem } from './system';

let system: RunningSystem;
const gateway = gatewayClient(() => system, { admin: 'dev-admin-key' }, 'readside');
const get = <P extends RouteOf<'get'>>(path: P, ...params: ParamsOf<P, 'get'>) =>
  gateway.get('admin', path, ...params);
/** A query string the document does not allow, sent untyped on purpose. */
const raw = (path: string) => gateway.raw('admin', 'GET', path);

async function openAccount(type: 'USER' | 'EXTERNAL', ownerId: string) {
  const res = await gateway.post('admin', '/api/v1/accounts', {
    ownerId,
    ownerType: type === 'USER' ? 'user' : 'bank',
    currency: 'USD',
    type,
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function topUp(source: string, destination: string, amount: string, key: string) {
  const res = await gateway.post(
    'admin',
    '/api/v1/transactions/topup',
    {
      idempotencyKey: key,
      sourceAccountId: source,
      destinationAccountId: destination,
      amount,
      currency: 'USD',
    },
    { idempotencyKey: null, waitSeconds: 20 },
  );
  expect(res.body.status).toBe('completed');
  return res.body.transactionId as string;
}

beforeAll(async () => {
  system = await startSystem('readside');
});

afterAll(async () => {
  await system?.stop();
});

describe('the read side through the gateway, with four services as separate processes', () => {
  const owner = `reader_${Date.now().toString(36)}`;
  let bank: string;
  let main: string;
  let savings: string;
  const topUps: string[] = [];
  const started = new Date(Date.now() - 1000).toISOString();

  it('sets up: two accounts of one owner, topped up three times', async () => {
    bank = await openAccount('EXTERNAL', 'bank_read');
    main = await openAccount('USER', owner);
    savings = await openAccount('USER', owner);
    for (const [i, amount] of ['10.00', '20.00', '30.00'].entries()) {
      topUps.push(await topUp(bank, main, amount, `read-side-topup-${i}-${owner}`));
    }
    await waitFor('the read side has all three', async () => {
      const res = await get('/api/v1/accounts/{id}/balance', { path: { id: main } });
      return res.body.balance === '60.00' ? true : undefined;
    });
  });

  it('GET /accounts/:id shows the account with available balance, holds, limits and version', async () => {
    const res = await get('/api/v1/accounts/{id}', { path: { id: main } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: main,
      ownerId: owner,
      balance: '60.00',
      availableBalance: '60.00',
      heldAmount: '0.00',
      openHoldCount: 0,
      limits: { minBalance: '0.00', maxBalance: null },
      version: 4,
    });
  });

  it('GET /accounts/:id/balance answers {accountId, balance, availableBalance, currency, status}', async () => {
    const res = await get('/api/v1/accounts/{id}/balance', { path: { id: main } });
    expect(res.body).toEqual({
      accountId: main,
      balance: '60.00',
      availableBalance: '60.00',
      currency: 'USD',
      status: 'active',
    });
  });

  it("GET /accounts?ownerId= lists the owner's accounts a page at a time", async () => {
    const first = await get('/api/v1/accounts', { query: { ownerId: owner, limit: 1 } });
    expect(first.status).toBe(200);
    expect((first.body.items as { id: string }[]).map((a) => a.id)).toEqual([main]);
    const second = await get('/api/v1/accounts', {
      query: { ownerId: owner, limit: 1, cursor: first.body.nextCursor as string },
    });
    expect(second.body).toMatchObject({ items: [{ id: savings }], nextCursor: null });
    const missing = await get('/api/v1/accounts');
    expect(missing.status).toBe(400);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
  });

  it('GET /transactions/:id shows the transaction with its refund figures', async () => {
    const res = await get('/api/v1/transactions/{id}', { path: { id: topUps[0]! } });
    expect(res.body).toMatchObject({
      transactionId: topUps[0],
      type: 'topup',
      status: 'completed',
      amount: '10.00',
      refunds: [],
      refundedAmount: null,
      refundableAmount: null,
      finishedAt: expect.any(String),
    });
  });

  it('GET /accounts/:id/transactions pages newest first with keyset cursors, and filters', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: Record<string, unknown> } = await get(
        '/api/v1/accounts/{id}/transactions',
        { path: { id: main }, query: { limit: 2, ...(cursor ? { cursor } : {}) } },
      );
      expect(page.status).toBe(200);
      seen.push(...(page.body.items as { transactionId: string }[]).map((t) => t.transactionId));
      cursor = page.body.nextCursor as string | null;
    } while (cursor !== null);
    expect(seen).toEqual([...topUps].reverse());
    const filtered = await get('/api/v1/accounts/{id}/transactions', {
      path: { id: main },
      query: { type: 'topup', status: 'completed', from: started },
    });
    expect((filtered.body.items as unknown[]).length).toBe(3);
    const none = await get('/api/v1/accounts/{id}/transactions', {
      path: { id: main },
      query: { status: 'failed' },
    });
    expect(none.body).toEqual({ items: [], nextCursor: null });
  });

  it('refuses bad query strings with 400 problem+json', async () => {
    for (const query of [
      'limit=201',
      'limit=0',
      'cursor=***',
      'type=gift',
      'colour=blue',
      `from=${new Date().toISOString()}&to=${started}`,
    ]) {
      const res = await raw(`/api/v1/accounts/${main}/transactions?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    const forged = await get('/api/v1/accounts/{id}/transactions', {
      path: { id: main },
      query: { cursor: 'bm90LWEtY3Vyc29y' },
    });
    expect(forged.status).toBe(400);
    expect(forged.body.code).toBe('REQUEST.INVALID');
  });

  it('GET /accounts/:id/statement gives opening and closing balances and running balances', async () => {
    const res = await get('/api/v1/accounts/{id}/statement', {
      path: { id: main },
      query: { from: started, to: new Date(Date.now() + 60_000).toISOString() },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ openingBalance: '0.00', closingBalance: '60.00', truncated: false });
    expect((res.body.lines as { balanceAfter: string }[]).map((l) => l.balanceAfter)).toEqual([
      '10.00',
      '30.00',
      '60.00',
    ]);
    const unknown = await get('/api/v1/accounts/{id}/statement', {
      path: { id: '0192f0a0-0000-7000-8000-00000000dead' },
    });
    expect(unknown.status).toBe(404);
  });

  it('GET /reports/trial-balance nets every currency to zero', async () => {
    const res = await get('/api/v1/reports/trial-balance');
    expect(res.status).toBe(200);
    expect(res.body.currencies).toEqual([
      { currency: 'USD', debits: '60.00', credits: '60.00', net: '0.00' },
    ]);
  });

  it('GET /transactions?status=stuck lists nothing on a healthy system, and only status=stuck is accepted', async () => {
    const res = await get('/api/v1/transactions', { query: { status: 'stuck' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ items: [], nextCursor: null, stuckAfterMs: expect.any(Number) });
    expect((await raw('/api/v1/transactions?status=pending')).status).toBe(400);
  });

  it('GET /currencies lists the currencies with their scale', async () => {
    const res = await get('/api/v1/currencies');
    expect(res.status).toBe(200);
    expect(res.body.currencies).toContainEqual({ code: 'USD', scale: 2, kind: 'fiat' });
  });

  it('projection-query reports lag and the age of its last applied event', async () => {
    const port = system.ports['projection-query']!;
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(
      /projection_consumer_lag_messages\{topic="[^"]+ledger\.events",partition="\d+"\} \d+/,
    );
    expect(metrics).toMatch(
      /projection_last_applied_event_age_seconds\{topic="[^"]+ledger\.events"\} [\d.]+/,
    );
    const ready = (await (await fetch(`http://127.0.0.1:${port}/health/ready`)).json()) as {
      checks: { name: string }[];
    };
    expect(ready.checks.map((c) => c.name)).toContain('read-side');
  });
});
