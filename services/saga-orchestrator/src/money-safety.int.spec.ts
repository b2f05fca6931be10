import { createMessage } from '@billing/contracts/catalog';
import type { Actor } from '@billing/contracts/envelope';
import {
  RequestPayment,
  RequestRefund,
  RequestTopUp,
  RequestTransfer,
  RequestWithdrawal,
} from '@billing/contracts/messages/transactions';
import { fundingAccountId, uuidv7 } from '@billing/contracts/uuid';
import type { Worker } from '@billing/platform/worker';
import { waitFor } from '@billing/testing/wait';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SagaHarness } from '../test/saga-harness';

/**
 * Money safety against the real ledger, broker, PostgreSQL and provider simulator: who may move money,
 * what is checked before a provider is called, and what happens once a provider has paid.
 */
const h = new SagaHarness('safety');
const SAGA_ENV = {
  PROVIDER_TIMEOUT_MS: '500',
  PROVIDER_BACKOFF_MS: '1000',
  PROVIDER_BACKOFF_MAX_MS: '2000',
  PROVIDER_ATTEMPTS_MAX: '2',
  TASK_POLL_INTERVAL_MS: '100',
  FUNDING_PROVIDER: 'cardpay',
};
const hash = (c: string) => c.repeat(64);
const alice: Actor = { kind: 'owner', id: 'alice' };
let replica: Worker;
let bank: string;
let aliceAccount: string;
let bobAccount: string;
let shop: string;

function movement(amount: string, source: string, destination: string) {
  return {
    transactionId: uuidv7(),
    idempotencyKey: `k-${uuidv7()}`,
    requestHash: hash('a'),
    sourceAccountId: source,
    destinationAccountId: destination,
    amount,
    currency: 'USD',
  };
}

async function ledgerRows<T>(sql: string, params: unknown[]): Promise<T[]> {
  return h.ledgerQuery<T>(sql, params);
}

async function entriesOf(transactionId: string): Promise<number> {
  const rows = await ledgerRows<{ n: string }>(
    'select count(*) as n from journal_entries where transaction_id = $1',
    [transactionId],
  );
  return Number(rows[0]!.n);
}

async function holdStatusOf(transactionId: string): Promise<string | undefined> {
  const rows = await ledgerRows<{ status: string }>('select status from holds where transaction_id = $1', [
    transactionId,
  ]);
  return rows[0]?.status;
}

beforeAll(async () => {
  await h.start({ lateAnswerMs: 3000 }, SAGA_ENV);
  replica = await h.startReplica(SAGA_ENV);
  [bank, aliceAccount, bobAccount, shop] = await Promise.all([
    h.openAccount('EXTERNAL', 'bank'),
    h.openAccount('USER', 'alice'),
    h.openAccount('USER', 'bob'),
    h.openAccount('USER', 'shop'),
  ]);
  // The funding provider's account is opened by the orchestrator at start; wait until the ledger has it.
  await waitFor('funding account', async () => {
    const rows = await ledgerRows('select id from accounts where id = $1', [
      fundingAccountId('cardpay', 'USD'),
    ]);
    return rows.length > 0 ? true : undefined;
  });
  for (const [account, amount] of [
    [aliceAccount, '1000.00'],
    [shop, '500.00'],
  ] as const) {
    const topUp = createMessage(RequestTopUp, movement(amount, bank, account), h.meta());
    await h.request(topUp);
    expect((await h.final(topUp.data.transactionId)).type).toBe('TransactionCompleted');
  }
}, 120_000);

afterAll(async () => {
  await replica?.stop();
  await h.stop();
});

describe("an owner's top-up is a collection, never a named source", () => {
  const funding = { method: 'card' as const, sourceReference: 'tok_visa_4242' };
  const ownTopUp = (amount: string, destination: string) =>
    createMessage(
      RequestTopUp,
      { ...movement(amount, bank, destination), sourceAccountId: null, funding },
      h.meta(alice),
    );

  it('refuses an owner top-up that names an EXTERNAL source, posting nothing', async () => {
    const minted = createMessage(RequestTopUp, movement('1000000.00', bank, aliceAccount), h.meta(alice));
    await h.request(minted);
    expect(await h.final(minted.data.transactionId)).toMatchObject({
      type: 'TransactionFailed',
      data: { reason: { code: 'AUTH.FORBIDDEN' } },
    });
    expect(await entriesOf(minted.data.transactionId)).toBe(0);
  });

  it('credits the owner from the funding account only once the provider collected', async () => {
    const before = h.simulator.stats().collections.succeeded;
    const topUp = ownTopUp('25.00', aliceAccount);
    await h.request(topUp);
    expect(await h.final(topUp.data.transactionId)).toMatchObject({
      type: 'TransactionCompleted',
      data: {
        sourceAccountId: fundingAccountId('cardpay', 'USD'),
        details: { collectionId: expect.stringMatching(/^COL-/) },
      },
    });
    expect(h.simulator.stats().collections.succeeded - before).toBe(1);
    const postings = await ledgerRows<{ account_id: string; side: string; amount: string }>(
      `select p.account_id, p.side, p.amount from postings p join journal_entries e on e.id = p.entry_id
        where e.transaction_id = $1 order by p.side`,
      [topUp.data.transactionId],
    );
    expect(postings).toEqual([
      { account_id: aliceAccount, side: 'credit', amount: '25.00' },
      { account_id: fundingAccountId('cardpay', 'USD'), side: 'debit', amount: '25.00' },
    ]);
  });

  it('fails a declined collection with PROVIDER.DECLINED, crediting nothing', async () => {
    const topUp = ownTopUp('10.66', aliceAccount);
    await h.request(topUp);
    expect(await h.final(topUp.data.transactionId)).toMatchObject({
      type: 'TransactionFailed',
      data: { reason: { code: 'PROVIDER.DECLINED' } },
    });
    expect(await entriesOf(topUp.data.transactionId)).toBe(0);
  });

  it("refuses a collection into someone else's account before the payer is charged", async () => {
    const before = h.simulator.stats().collections.attempts;
    const topUp = ownTopUp('5.00', bobAccount);
    await h.request(topUp);
    expect((await h.final(topUp.data.transactionId)).type).toBe('TransactionFailed');
    expect(h.simulator.stats().collections.attempts).toBe(before);
  });
});

describe('a withdrawal checks its destination before any payout', () => {
  it.each([
    ['missing', async () => uuidv7()],
    ['not EXTERNAL', async () => h.openAccount('USER', 'carol')],
    ['of another currency', async () => h.openAccount('EXTERNAL', 'bank-eur', 'EUR')],
    [
      'inactive',
      async () => {
        const account = await h.openAccount('EXTERNAL', 'bank-closed');
        await h.changeStatus(account, 'suspended');
        return account;
      },
    ],
  ])('refuses a destination that is %s with no provider call and no hold', async (_label, destination) => {
    const to = await destination();
    const payoutsBefore = h.simulator.stats().payouts.attempts;
    const withdrawal = createMessage(RequestWithdrawal, movement('7.00', aliceAccount, to), h.meta(alice));
    await h.request(withdrawal);
    expect((await h.final(withdrawal.data.transactionId)).type).toBe('TransactionFailed');
    expect(h.simulator.stats().payouts.attempts).toBe(payoutsBefore);
    expect(await holdStatusOf(withdrawal.data.transactionId)).toBeUndefined();
  });
});

describe("after the provider has paid, the money is the provider's", () => {
  it('never releases when the capture is refused: it escalates, keeps the hold, and captures once it can', async () => {
    const payee = await h.openAccount('EXTERNAL', 'payee');
    // .55: the payout succeeds but answers late, so the orchestrator learns of it on its next attempt.
    const withdrawal = createMessage(
      RequestWithdrawal,
      movement('12.55', aliceAccount, payee),
      h.meta(alice),
    );
    await h.request(withdrawal);
    await waitFor('hold placed', async () =>
      (await holdStatusOf(withdrawal.data.transactionId)) ? true : undefined,
    );
    await h.changeStatus(payee, 'suspended');
    const attention = await h.event(withdrawal.data.transactionId, 'TransactionNeedsAttention');
    expect(attention.data).toMatchObject({
      status: 'needs_attention',
      reason: { code: 'SAGA.CAPTURE_FAILED' },
    });
    expect(await holdStatusOf(withdrawal.data.transactionId)).toBe('open');
    const [saga] = await h.saga
      .knex('sagas')
      .where({ transaction_id: withdrawal.data.transactionId })
      .select('status');
    expect(saga).toMatchObject({ status: 'needs_attention' });

    await h.changeStatus(payee, 'active');
    expect(await h.final(withdrawal.data.transactionId, 60_000)).toMatchObject({
      type: 'TransactionCompleted',
      data: { details: { payoutId: expect.any(String) } },
    });
    expect(await holdStatusOf(withdrawal.data.transactionId)).toBe('captured');
    expect(h.events(withdrawal.data.transactionId).some((e) => e.type === 'TransactionReversed')).toBe(false);
  }, 90_000);

  it('asks a silent provider to void before releasing, and reverses only then', async () => {
    const payee = await h.openAccount('EXTERNAL', 'payee-2');
    const voidsBefore = h.simulator.stats().payouts.voided;
    // .77: the payout provider never answers, nor its status queries.
    const withdrawal = createMessage(RequestWithdrawal, movement('3.77', aliceAccount, payee), h.meta(alice));
    await h.request(withdrawal);
    expect(await h.final(withdrawal.data.transactionId, 60_000)).toMatchObject({
      type: 'TransactionReversed',
      data: { reason: { code: 'PROVIDER.TIMEOUT' } },
    });
    expect(h.simulator.stats().payouts.voided - voidsBefore).toBe(1);
    expect(await holdStatusOf(withdrawal.data.transactionId)).toBe('released');
  }, 90_000);
});

describe('refunds and duplicates under real concurrency (two orchestrator replicas)', () => {
  it('never lets concurrent refunds, decided by different replicas, exceed the payment', async () => {
    const payment = createMessage(RequestPayment, movement('100.00', aliceAccount, shop), h.meta(alice));
    await h.request(payment);
    expect((await h.final(payment.data.transactionId)).type).toBe('TransactionCompleted');
    const refunds = Array.from({ length: 10 }, () =>
      createMessage(
        RequestRefund,
        {
          transactionId: uuidv7(),
          idempotencyKey: `r-${uuidv7()}`,
          requestHash: hash('b'),
          originalTransactionId: payment.data.transactionId,
          amount: '15.00',
          currency: 'USD',
        },
        h.meta(),
      ),
    );
    await Promise.all(refunds.map((r) => h.request(r)));
    const outcomes = await Promise.all(refunds.map((r) => h.final(r.data.transactionId, 60_000)));
    const completed = outcomes.filter((o) => o.type === 'TransactionCompleted');
    expect(completed).toHaveLength(6);
    const credited = await ledgerRows<{ total: string }>(
      `select coalesce(sum(p.amount), 0)::text as total from postings p join journal_entries e on e.id = p.entry_id
        where e.transaction_type = 'refund' and p.side = 'credit' and e.transaction_id = any($1)`,
      [refunds.map((r) => r.data.transactionId)],
    );
    expect(credited[0]!.total).toBe('90.00');
    const [row] = await h.saga
      .knex('sagas')
      .where({ transaction_id: payment.data.transactionId })
      .select('refunded');
    expect(String(row.refunded)).toMatch(/^90(\.0+)?$/);
  }, 90_000);

  it('refuses a refund by an owner who does not own the merchant account, before reserving anything', async () => {
    const payment = createMessage(RequestPayment, movement('20.00', aliceAccount, shop), h.meta(alice));
    await h.request(payment);
    await h.final(payment.data.transactionId);
    const refund = createMessage(
      RequestRefund,
      {
        transactionId: uuidv7(),
        idempotencyKey: `r-${uuidv7()}`,
        requestHash: hash('c'),
        originalTransactionId: payment.data.transactionId,
        amount: '20.00',
        currency: 'USD',
      },
      h.meta(alice),
    );
    await h.request(refund);
    expect((await h.final(refund.data.transactionId)).type).toBe('TransactionFailed');
    const [row] = await h.saga
      .knex('sagas')
      .where({ transaction_id: payment.data.transactionId })
      .select('refunded');
    expect(Number(row.refunded)).toBe(0);
  });

  it('gives one transaction and one posting for two identical requests sent at the same moment', async () => {
    const transfer = createMessage(
      RequestTransfer,
      movement('2.00', aliceAccount, bobAccount),
      h.meta(alice),
    );
    const twin = createMessage(RequestTransfer, transfer.data, h.meta(alice));
    await Promise.all([h.request(transfer), h.request(twin)]);
    expect((await h.final(transfer.data.transactionId)).type).toBe('TransactionCompleted');
    await waitFor('both requests consumed', async () => {
      const rows = await h.saga.knex('inbox').whereIn('message_id', [transfer.messageId, twin.messageId]);
      return rows.length === 2 ? true : undefined;
    });
    expect(await entriesOf(transfer.data.transactionId)).toBe(1);
    expect(
      h.events(transfer.data.transactionId).filter((e) => e.type === 'TransactionCompleted'),
    ).toHaveLength(1);
  });
});
