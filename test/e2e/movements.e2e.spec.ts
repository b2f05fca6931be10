import { waitFor } from '@billing/testing/wait';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayClient, type BodyOf, type RouteOf } from './http';
import { startSystem, type RunningSystem } from './system';

let system: RunningSystem;
const gw = gatewayClient(() => system, { admin: 'dev-admin-key' }, 'mv');

/** A command as the admin, through the typed client, waiting for its final state unless told not to. */
function post<P extends RouteOf<'post'>>(path: P, body: BodyOf<P, 'post'>, wait = true) {
  return gw.post('admin', path, body, wait ? { waitSeconds: 25 } : {});
}

async function balance(id: string): Promise<string> {
  const r = await gw.get('admin', '/api/v1/accounts/{id}/balance', { path: { id } });
  return String(r.body.balance);
}

async function open(type: 'USER' | 'EXTERNAL', ownerId: string): Promise<string> {
  const r = await gw.post('admin', '/api/v1/accounts', {
    ownerId,
    ownerType: type === 'USER' ? 'user' : 'bank',
    currency: 'USD',
    type,
  });
  return String(r.body.id);
}

type TimelineBody = { steps: { kind: string; provider: { reference: string | null } | null }[] };

const usd = (amount: string) => ({ amount, currency: 'USD' });

/** Waits until the read side shows `expected` as the account's balance (it follows the ledger shortly). */
const balanceBecomes = (id: string, expected: string) =>
  waitFor(`balance ${expected} of ${id}`, async () => ((await balance(id)) === expected ? true : undefined));

/** Two fresh users, the first funded with 100.00 and shown so by the read side. */
async function fundedPair(label: string): Promise<[string, string]> {
  const [from, to] = await Promise.all([open('USER', `${label}-from`), open('USER', `${label}-to`)]);
  const funded = await post('/api/v1/transactions/topup', {
    sourceAccountId: bank,
    destinationAccountId: from,
    ...usd('100.00'),
  });
  expect(funded.body.status).toBe('completed');
  await balanceBecomes(from, '100.00');
  return [from, to];
}
let bank: string;
let alice: string;
let bob: string;
let shop: string;

beforeAll(async () => {
  system = await startSystem('movements', { env: { 'saga-orchestrator': { PROVIDER_TIMEOUT_MS: '1000' } } });
  [bank, alice, bob, shop] = await Promise.all([
    open('EXTERNAL', 'bank_9'),
    open('USER', 'alice'),
    open('USER', 'bob'),
    open('USER', 'shop'),
  ]);
  const funded = await post('/api/v1/transactions/topup', {
    sourceAccountId: bank,
    destinationAccountId: alice,
    ...usd('300.00'),
  });
  expect(funded.body.status).toBe('completed');
});

afterAll(async () => {
  await system?.stop();
});

describe('money movements over HTTP, four services as processes', () => {
  it('transfers between two users', async () => {
    const res = await post('/api/v1/transactions/transfer', {
      sourceAccountId: alice,
      destinationAccountId: bob,
      ...usd('50.00'),
    });
    expect(res).toMatchObject({ status: 200, body: { type: 'transfer', status: 'completed' } });
  });

  it('pays a merchant and refunds part of the payment, then refuses a refund beyond what is left', async () => {
    const payment = await post('/api/v1/transactions/payment', {
      customerAccountId: alice,
      merchantAccountId: shop,
      ...usd('80.00'),
    });
    expect(payment.body.status).toBe('completed');
    const refund = await post('/api/v1/transactions/refund', {
      originalPaymentId: String(payment.body.transactionId),
      ...usd('30.00'),
    });
    expect(refund.body).toMatchObject({
      type: 'refund',
      status: 'completed',
      sourceAccountId: shop,
      destinationAccountId: alice,
    });
    // A refund is held on the merchant before it counts against the payment: give the shop the funds,
    // so that what refuses this one is the payment's bound, not the shop's balance.
    const funds = await post('/api/v1/transactions/topup', {
      sourceAccountId: bank,
      destinationAccountId: shop,
      ...usd('100.00'),
    });
    expect(funds.body.status).toBe('completed');
    const tooMuch = await post('/api/v1/transactions/refund', {
      originalPaymentId: String(payment.body.transactionId),
      ...usd('50.01'),
    });
    expect(tooMuch.body).toMatchObject({ status: 'failed', reason: { code: 'REFUND.EXCEEDS_ORIGINAL' } });
  });

  it('withdraws to an external account through the payout provider', async () => {
    const res = await post('/api/v1/transactions/withdraw', {
      sourceAccountId: alice,
      destinationAccountId: bank,
      ...usd('20.00'),
    });
    expect(res.body).toMatchObject({
      type: 'withdrawal',
      status: 'completed',
      details: { payoutId: expect.any(String) },
    });
  });

  it('reverses a refused withdrawal and a refused bill payment, leaving the balance unchanged', async () => {
    const before = await balance(alice);
    const withdrawal = await post('/api/v1/transactions/withdraw', {
      sourceAccountId: alice,
      destinationAccountId: bank,
      ...usd('10.66'),
    });
    expect(withdrawal.body).toMatchObject({ status: 'reversed', reason: { code: 'PROVIDER.REFUSED' } });
    const bill = await post('/api/v1/bills/pay', {
      accountId: alice,
      billType: 'electricity',
      provider: 'ekedc',
      meterNumber: '55550000',
      ...usd('15.00'),
    });
    expect(bill.body).toMatchObject({
      type: 'bill_payment',
      status: 'reversed',
      reason: { code: 'PROVIDER.INVALID_ACCOUNT' },
    });
    await waitFor('balance settled', async () => ((await balance(alice)) === before ? true : undefined));
  });

  it('pays a bill and keeps the provider token', async () => {
    const bill = await post('/api/v1/bills/pay', {
      accountId: alice,
      billType: 'electricity',
      provider: 'ekedc',
      meterNumber: '12345678',
      ...usd('15.00'),
    });
    expect(bill.body).toMatchObject({
      status: 'completed',
      details: { token: expect.stringMatching(/^\d{20}$/), provider: 'ekedc' },
    });
    // The saga's call to the provider is a step of the timeline, with the provider's own reference.
    const id = String(bill.body.transactionId);
    const call = await waitFor('the provider step on the timeline', async () => {
      const timeline = await gw.get('admin', '/api/v1/transactions/{id}/timeline', { path: { id } });
      const steps = timeline.status === 200 ? (timeline.body as TimelineBody).steps : [];
      return steps.find((s) => s.kind === 'provider_step');
    });
    expect(call.provider).toMatchObject({
      name: 'ekedc',
      operation: 'pay_bill',
      attempt: 1,
      outcome: 'accepted',
      reference: (bill.body.details as Record<string, string>).providerReference,
    });
    expect(call.provider?.reference).toEqual(expect.any(String));
  });

  it('refuses a transfer out of an EXTERNAL account at the edge (422) and a bad meter number (400)', async () => {
    const transfer = await post('/api/v1/transactions/transfer', {
      sourceAccountId: bank,
      destinationAccountId: bob,
      ...usd('1.00'),
    });
    expect(transfer).toMatchObject({ status: 422, body: { code: 'ACCOUNT.TYPE_NOT_ALLOWED' } });
    const bill = await post('/api/v1/bills/pay', {
      accountId: alice,
      billType: 'electricity',
      provider: 'ekedc',
      meterNumber: 'abc',
      ...usd('1.00'),
    });
    expect(bill).toMatchObject({ status: 400, body: { code: 'REQUEST.INVALID' } });
  });

  it('answers the same request sent several times at once, with and without waiting, and moves the money once', async () => {
    const key = `mv-same-${Date.now()}`;
    const [from, to] = await fundedPair('same');
    const send = (wait: boolean) =>
      gw.post(
        'admin',
        '/api/v1/transactions/transfer',
        { sourceAccountId: from, destinationAccountId: to, ...usd('7.00') },
        { idempotencyKey: key, ...(wait ? { waitSeconds: 25 } : {}) },
      );
    const answers = await Promise.all([send(true), send(false), send(true), send(false), send(true)]);
    const ids = new Set(answers.map((a) => a.body.transactionId));
    expect(ids.size).toBe(1);
    for (const a of answers) expect([200, 202]).toContain(a.status);
    for (const a of answers.filter((_, i) => i % 2 === 0)) expect(a.body.status).toBe('completed');
    // Once it completed, a repeat without waiting is answered by the orchestrator with the final state.
    const again = await send(false);
    expect(again).toMatchObject({ status: 200, body: { transactionId: [...ids][0], status: 'completed' } });
    await balanceBecomes(from, '93.00');
    await balanceBecomes(to, '7.00');
  });

  it('refuses a key reused with other terms at the same moment: one request wins, the others are 409', async () => {
    const key = `mv-race-${Date.now()}`;
    const [from, to] = await fundedPair('race');
    const send = (amount: string) =>
      gw.post(
        'admin',
        '/api/v1/transactions/transfer',
        { sourceAccountId: from, destinationAccountId: to, ...usd(amount) },
        { idempotencyKey: key, waitSeconds: 25 },
      );
    const answers = await Promise.all(['1.00', '2.00', '3.00'].map(send));
    const won = answers.filter((a) => a.status === 200);
    expect(won).toHaveLength(1);
    expect(won[0]!.body.status).toBe('completed');
    expect(answers.filter((a) => a.status === 409).map((a) => a.body.code)).toEqual([
      'IDEMPOTENCY.KEY_REUSED',
      'IDEMPOTENCY.KEY_REUSED',
    ]);
    // Exactly the winner's amount left the account, once.
    const left: Record<string, string> = { '1.00': '99.00', '2.00': '98.00', '3.00': '97.00' };
    const amount = String(won[0]!.body.amount);
    await balanceBecomes(to, amount);
    await balanceBecomes(from, left[amount]!);
  });

  it('leaves a ledger that passes ledger:verify', async () => {
    const verify = await system.verifyLedger();
    expect(verify.exitCode, verify.output).toBe(0);
  });
});
