import type { Schemas } from '@billing/client/gateway-client';
import { waitFor } from '@billing/testing/wait';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayClient, type Answer, type BodyOf, type RouteOf } from './http';
import { startSystem, type RunningSystem } from './system';

/**
 * Money safety over HTTP against the four services as separate processes: every movement type for every
 * role, and the ways an adversarial owner or a silent provider used to create or lose money.
 */
const KEYS = { admin: 'e2e-admin-key-0000002', alice: 'e2e-alice-key-0000002', bob: 'e2e-bob-key-00000002' };
type Who = keyof typeof KEYS;
let system: RunningSystem;
const gateway = gatewayClient(() => system, KEYS, 'safety');

const usd = (amount: string) => ({ amount, currency: 'USD' });
const STATUS = '/api/v1/accounts/{id}/status';
const wait = { waitSeconds: 25 };
const funding = { method: 'card' as const, sourceReference: 'tok_visa_4242' };
let bank: string;
let euroBank: string;
let alices: string;
let bobs: string;
let bobsShop: string;
let bobsPayment: string;

async function ledgerRows<T>(sql: string, params: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: system.databases['account-ledger'] });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

const balanceOf = async (account: string) =>
  (
    await ledgerRows<{ balance: string; held: string }>(
      'select balance::text, held::text from accounts where id = $1',
      [account],
    )
  )[0];

async function finalOf(who: Who, transactionId: string): Promise<Answer['body']> {
  return waitFor(
    `final state of ${transactionId}`,
    async () => {
      const res = await gateway.get(who, '/api/v1/transactions/{id}', { path: { id: transactionId } });
      const final = ['completed', 'failed', 'reversed'].includes(res.body.status ?? '');
      return res.status === 200 && final ? res.body : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
}

beforeAll(async () => {
  system = await startSystem('safety', {
    simulator: { lateAnswerMs: 4000 },
    env: {
      'command-gateway': {
        API_KEYS: JSON.stringify([
          { key: KEYS.admin, role: 'admin' },
          { key: KEYS.alice, role: 'owner', ownerId: 'alice' },
          { key: KEYS.bob, role: 'owner', ownerId: 'bob' },
        ]),
      },
      'saga-orchestrator': {
        PROVIDER_TIMEOUT_MS: '500',
        PROVIDER_ATTEMPTS_MAX: '2',
        PROVIDER_BACKOFF_MS: '2000',
        PROVIDER_BACKOFF_MAX_MS: '2000',
      },
    },
  });
  const open = async (who: Who, ownerId: string, type: 'USER' | 'EXTERNAL', currency = 'USD') =>
    (await gateway.as(who).accounts.open({ ownerId, ownerType: 'user', currency, type })).body.id;
  bank = await open('admin', 'bank_1', 'EXTERNAL');
  euroBank = await open('admin', 'bank_eu', 'EXTERNAL', 'EUR');
  alices = await open('alice', 'alice', 'USER');
  bobs = await open('bob', 'bob', 'USER');
  bobsShop = await open('bob', 'bob', 'USER');
  for (const account of [alices, bobs, bobsShop]) {
    const topup = await gateway.post(
      'admin',
      '/api/v1/transactions/topup',
      { sourceAccountId: bank, destinationAccountId: account, ...usd('500.00') },
      wait,
    );
    expect(topup.body.status).toBe('completed');
  }
  const payment = await gateway.post(
    'bob',
    '/api/v1/transactions/payment',
    { customerAccountId: bobs, merchantAccountId: bobsShop, ...usd('40.00') },
    wait,
  );
  expect(payment.body.status).toBe('completed');
  bobsPayment = payment.body.transactionId as string;
  await waitFor('read side caught up', async () =>
    (await gateway.get('admin', '/api/v1/transactions/{id}', { path: { id: bobsPayment } })).status === 200
      ? true
      : undefined,
  );
}, 180_000);

afterAll(async () => {
  await system?.stop();
});

type Outcome = 'completed' | 'refused';
const bill = (accountId: string): Schemas['BillPaymentRequest'] => ({
  accountId,
  billType: 'electricity',
  provider: 'ekedc',
  meterNumber: '12345678901',
  ...usd('1.00'),
});

/**
 * Every movement type for every role. `refused` means: an error answer, or a transaction that ended
 * failed; in both cases the other party's balance is unchanged.
 */
type Route = RouteOf<'post'>;
const MATRIX: [Who, string, Route, () => BodyOf<Route, 'post'>, Outcome][] = [
  [
    'admin',
    'top-up from a named EXTERNAL account',
    '/api/v1/transactions/topup',
    () => ({ sourceAccountId: bank, destinationAccountId: alices, ...usd('1.00') }),
    'completed',
  ],
  [
    'alice',
    'top-up naming an EXTERNAL source into her own account',
    '/api/v1/transactions/topup',
    () => ({ sourceAccountId: bank, destinationAccountId: alices, ...usd('1.00') }),
    'refused',
  ],
  [
    'alice',
    'top-up collected from her card into her own account',
    '/api/v1/transactions/topup',
    () => ({ destinationAccountId: alices, funding, ...usd('1.00') }),
    'completed',
  ],
  [
    'alice',
    "top-up collected from her card into bob's account",
    '/api/v1/transactions/topup',
    () => ({ destinationAccountId: bobs, funding, ...usd('1.00') }),
    'refused',
  ],
  [
    'admin',
    'top-up collected by the funding provider',
    '/api/v1/transactions/topup',
    () => ({ destinationAccountId: bobs, funding, ...usd('1.00') }),
    'completed',
  ],
  [
    'alice',
    'transfer from her own account',
    '/api/v1/transactions/transfer',
    () => ({ sourceAccountId: alices, destinationAccountId: bobs, ...usd('1.00') }),
    'completed',
  ],
  [
    'alice',
    "transfer from bob's account",
    '/api/v1/transactions/transfer',
    () => ({ sourceAccountId: bobs, destinationAccountId: alices, ...usd('1.00') }),
    'refused',
  ],
  [
    'admin',
    "transfer from bob's account",
    '/api/v1/transactions/transfer',
    () => ({ sourceAccountId: bobs, destinationAccountId: alices, ...usd('1.00') }),
    'completed',
  ],
  [
    'alice',
    'payment from her own account',
    '/api/v1/transactions/payment',
    () => ({ customerAccountId: alices, merchantAccountId: bobsShop, ...usd('1.00') }),
    'completed',
  ],
  [
    'alice',
    "payment from bob's account",
    '/api/v1/transactions/payment',
    () => ({ customerAccountId: bobs, merchantAccountId: alices, ...usd('1.00') }),
    'refused',
  ],
  [
    'admin',
    "payment from bob's account",
    '/api/v1/transactions/payment',
    () => ({ customerAccountId: bobs, merchantAccountId: bobsShop, ...usd('1.00') }),
    'completed',
  ],
  [
    'alice',
    "refund of bob's payment (bob's merchant account)",
    '/api/v1/transactions/refund',
    () => ({ originalPaymentId: bobsPayment, ...usd('1.00') }),
    'refused',
  ],
  [
    'bob',
    'refund of a payment into his own merchant account',
    '/api/v1/transactions/refund',
    () => ({ originalPaymentId: bobsPayment, ...usd('1.00') }),
    'completed',
  ],
  [
    'admin',
    "refund of bob's payment",
    '/api/v1/transactions/refund',
    () => ({ originalPaymentId: bobsPayment, ...usd('1.00') }),
    'completed',
  ],
  [
    'alice',
    'withdrawal from her own account',
    '/api/v1/transactions/withdraw',
    () => ({ sourceAccountId: alices, destinationAccountId: bank, ...usd('1.00') }),
    'completed',
  ],
  [
    'alice',
    "withdrawal from bob's account",
    '/api/v1/transactions/withdraw',
    () => ({ sourceAccountId: bobs, destinationAccountId: bank, ...usd('1.00') }),
    'refused',
  ],
  [
    'admin',
    "withdrawal from bob's account",
    '/api/v1/transactions/withdraw',
    () => ({ sourceAccountId: bobs, destinationAccountId: bank, ...usd('1.00') }),
    'completed',
  ],
  ['alice', 'bill paid from her own account', '/api/v1/bills/pay', () => bill(alices), 'completed'],
  ['alice', "bill paid from bob's account", '/api/v1/bills/pay', () => bill(bobs), 'refused'],
  ['admin', "bill paid from bob's account", '/api/v1/bills/pay', () => bill(bobs), 'completed'],
];

describe('authorization matrix: every movement type for every role', () => {
  it.each(MATRIX)('%s: %s -> %s', async (who, _what, path, body, expected) => {
    const answer = await gateway.post(who, path, body(), wait);
    const ended =
      answer.status < 300 && answer.body.status === 'pending'
        ? await finalOf(who, answer.body.transactionId as string)
        : answer.body;
    if (expected === 'completed') {
      expect(ended).toMatchObject({ status: 'completed' });
    } else {
      const refused = answer.status >= 400 || ended.status === 'failed';
      expect(refused, JSON.stringify(answer)).toBe(true);
      expect(ended.status).not.toBe('completed');
    }
  });
});

describe('an owner cannot create money', () => {
  it('refuses an owner topping up its own account from an EXTERNAL account it does not own (403), moving nothing', async () => {
    const before = await balanceOf(alices);
    const minted = await gateway.post(
      'alice',
      '/api/v1/transactions/topup',
      { sourceAccountId: bank, destinationAccountId: alices, ...usd('1000000.00') },
      wait,
    );
    expect(minted).toMatchObject({ status: 403, body: { code: 'AUTH.FORBIDDEN' } });
    expect(await balanceOf(alices)).toEqual(before);
  });

  it('credits a declined collection with nothing', async () => {
    const before = await balanceOf(alices);
    const declined = await gateway.post(
      'alice',
      '/api/v1/transactions/topup',
      { destinationAccountId: alices, funding, ...usd('9.66') },
      wait,
    );
    const ended =
      declined.body.status === 'pending'
        ? await finalOf('alice', declined.body.transactionId as string)
        : declined.body;
    expect(ended).toMatchObject({ status: 'failed', reason: { code: 'PROVIDER.DECLINED' } });
    expect(await balanceOf(alices)).toEqual(before);
  });
});

describe('a withdrawal checks its destination before the provider pays anything', () => {
  it.each([
    ['a random id', () => '018f0000-0000-7000-8000-000000000999'],
    ["bob's USER account", () => bobs],
    ['an EXTERNAL account in another currency', () => euroBank],
  ])(
    'refuses a withdrawal to %s with no payout, no hold left, and no hint about the account',
    async (_label, to) => {
      const payoutsBefore = system.simulator.stats().payouts.attempts;
      const before = await balanceOf(alices);
      const res = await gateway.post(
        'alice',
        '/api/v1/transactions/withdraw',
        { sourceAccountId: alices, destinationAccountId: to(), ...usd('5.00') },
        wait,
      );
      const ended =
        res.status < 300 && res.body.status === 'pending'
          ? await finalOf('alice', res.body.transactionId as string)
          : res.body;
      expect(res.status >= 400 || ended.status === 'failed').toBe(true);
      // Whatever is wrong with someone else's account, the owner learns the same thing.
      const code = res.status >= 400 ? res.body.code : ended.reason?.code;
      expect(['ACCOUNT.UNAVAILABLE', 'ACCOUNT.NOT_FOUND']).toContain(code);
      expect(JSON.stringify(ended)).not.toMatch(/EUR|USER|EXTERNAL/);
      expect(system.simulator.stats().payouts.attempts).toBe(payoutsBefore);
      expect(await balanceOf(alices)).toEqual(before);
    },
  );
});

describe("after the provider has paid, the money is the provider's", () => {
  it('never releases a paid withdrawal whose capture is refused: needs_attention, then completed once the capture succeeds', async () => {
    const payee = (
      await gateway.as('admin').accounts.open({
        ownerId: 'payee',
        ownerType: 'bank',
        currency: 'USD',
        type: 'EXTERNAL',
      })
    ).body.id;
    // .55: the payout succeeds at once but answers late, so the saga learns of it on its next attempt.
    const res = await gateway.post('alice', '/api/v1/transactions/withdraw', {
      sourceAccountId: alices,
      destinationAccountId: payee,
      ...usd('12.55'),
    });
    expect(res.status).toBe(202);
    const transactionId = res.body.transactionId as string;
    await waitFor('hold placed', async () =>
      (await ledgerRows('select 1 from holds where transaction_id = $1', [transactionId])).length > 0
        ? true
        : undefined,
    );
    expect(
      (await gateway.patch('admin', STATUS, { path: { id: payee } }, { status: 'suspended' })).status,
    ).toBe(200);
    const attention = await waitFor(
      'needs_attention',
      async () => {
        const view = await gateway.get('alice', '/api/v1/transactions/{id}', { path: { id: transactionId } });
        return view.body.status === 'needs_attention' ? view.body : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(attention).toMatchObject({ reason: { code: 'SAGA.CAPTURE_FAILED' } });
    const [hold] = await ledgerRows<{ status: string }>(
      'select status from holds where transaction_id = $1',
      [transactionId],
    );
    expect(hold!.status).toBe('open');
    const listed = await gateway.get('admin', '/api/v1/transactions', {
      query: { status: 'needs_attention' },
    });
    expect(JSON.stringify(listed.body)).toContain(transactionId);
    // The alert an operator pages on: the orchestrator's metrics count the saga that needs a person.
    const metrics = await (
      await fetch(`http://127.0.0.1:${system.ports['saga-orchestrator']}/metrics`)
    ).text();
    expect(metrics).toMatch(/saga_needs_attention\{type="withdrawal"\} [1-9]/);
    expect(metrics).toMatch(/saga_needs_attention_total\{code="SAGA.CAPTURE_FAILED"\} [1-9]/);

    expect((await gateway.patch('admin', STATUS, { path: { id: payee } }, { status: 'active' })).status).toBe(
      200,
    );
    expect(await finalOf('alice', transactionId)).toMatchObject({
      status: 'completed',
      details: { payoutId: expect.any(String) },
    });
  }, 90_000);

  it('asks a provider that never answers to void before it releases, and ends reversed', async () => {
    const before = system.simulator.stats().payouts.voided;
    const res = await gateway.post('alice', '/api/v1/transactions/withdraw', {
      sourceAccountId: alices,
      destinationAccountId: bank,
      ...usd('2.77'),
    });
    const ended = await finalOf('alice', res.body.transactionId as string);
    expect(ended).toMatchObject({ status: 'reversed', reason: { code: 'PROVIDER.TIMEOUT' } });
    expect(system.simulator.stats().payouts.voided - before).toBe(1);
  }, 90_000);
});

describe('idempotency holds under races and spelling', () => {
  it('gives one transaction and one posting for two identical requests sent at the same moment', async () => {
    const key = `twin-${Date.now()}`;
    const body = { sourceAccountId: alices, destinationAccountId: bobs, ...usd('3.00') };
    const [a, b] = await Promise.all(
      [1, 2].map(() =>
        gateway.post('alice', '/api/v1/transactions/transfer', body, { ...wait, idempotencyKey: key }),
      ),
    );
    expect(a!.body.transactionId).toBe(b!.body.transactionId);
    await finalOf('alice', a!.body.transactionId as string);
    const entries = await ledgerRows('select id from journal_entries where transaction_id = $1', [
      a!.body.transactionId,
    ]);
    expect(entries).toHaveLength(1);
  });

  it('treats "1.5" and "1.50" as the same amount for the same key', async () => {
    const key = `canon-${Date.now()}`;
    const first = await gateway.post(
      'alice',
      '/api/v1/transactions/transfer',
      { sourceAccountId: alices, destinationAccountId: bobs, ...usd('1.5') },
      { ...wait, idempotencyKey: key },
    );
    const again = await gateway.post(
      'alice',
      '/api/v1/transactions/transfer',
      { sourceAccountId: alices, destinationAccountId: bobs, ...usd('1.50') },
      { ...wait, idempotencyKey: key },
    );
    expect(again.status).toBeLessThan(300);
    expect(again.body.transactionId).toBe(first.body.transactionId);
  });
});

describe('the ledger after all of it', () => {
  it('passes every ledger:verify check', async () => {
    const { exitCode, output } = await system.verifyLedger();
    expect(output).toMatch(/checks passed/);
    expect(exitCode).toBe(0);
  });
});
