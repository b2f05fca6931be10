import { createMessage } from '@billing/contracts/catalog';
import {
  RequestBillPayment,
  RequestPayment,
  RequestRefund,
  RequestTopUp,
  RequestTransfer,
  RequestWithdrawal,
} from '@billing/contracts/messages/transactions';
import { settlementAccountId, uuidv7 } from '@billing/contracts/uuid';
import { replayHandler } from '@billing/platform/dead-letter-replay';
import { createKafka } from '@billing/platform/kafka';
import { createLogger } from '@billing/platform/logger';
import { adminSecurity, testEnv } from '@billing/testing/env';
import { asConsumed, fixturesConsumedBy } from '@billing/testing/contract';
import { waitFor } from '@billing/testing/wait';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SagaHarness } from '../test/saga-harness';
import { handleLedgerEvents, handleTransactionCommands } from './saga/handlers';

const h = new SagaHarness('saga');
const hash = (c: string) => c.repeat(64);
let bank: string;
let alice: string;
let bob: string;
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

beforeAll(async () => {
  await h.start(
    { lateAnswerMs: 1500 },
    {
      PROVIDER_TIMEOUT_MS: '500',
      PROVIDER_BACKOFF_MS: '200',
      PROVIDER_ATTEMPTS_MAX: '4',
      TASK_POLL_INTERVAL_MS: '100',
      // Short step deadlines, so that the test with the ledger down sees commands sent again quickly.
      STEP_DEADLINE_MS: '250',
    },
  );
  [bank, alice, bob, shop] = await Promise.all([
    h.openAccount('EXTERNAL', 'bank'),
    h.openAccount('USER', 'alice'),
    h.openAccount('USER', 'bob'),
    h.openAccount('USER', 'shop'),
  ]);
  const topUp = createMessage(RequestTopUp, movement('500.00', bank, alice), h.meta());
  await h.request(topUp);
  expect((await h.final(topUp.data.transactionId)).type).toBe('TransactionCompleted');
}, 120_000);

afterAll(async () => {
  await h.stop();
});

describe('saga-orchestrator flows against the real ledger, Kafka and PostgreSQL', () => {
  it('transfers USER -> USER in one entry', async () => {
    const transfer = createMessage(RequestTransfer, movement('20.00', alice, bob), h.meta());
    await h.request(transfer);
    const done = await h.final(transfer.data.transactionId);
    expect(done).toMatchObject({
      type: 'TransactionCompleted',
      data: { type: 'transfer', amount: '20.00', sourceAccountId: alice, destinationAccountId: bob },
    });
    expect(h.events(transfer.data.transactionId).map((e) => e.type)).toEqual([
      'TransactionAccepted',
      'TransactionCompleted',
    ]);
    // The answered step left no deadline behind: nothing fires later for it, and no task row was written.
    const saga = await h.saga.knex('sagas').where({ transaction_id: transfer.data.transactionId }).first();
    expect(saga).toMatchObject({ deadline_at: null, deadline_command_id: null });
    expect(await h.saga.knex('saga_tasks').where({ transaction_id: transfer.data.transactionId })).toEqual(
      [],
    );
  });

  it('fails a transfer beyond the balance with the ledger code, moving nothing', async () => {
    const transfer = createMessage(RequestTransfer, movement('10000.00', bob, alice), h.meta());
    await h.request(transfer);
    const failed = await h.final(transfer.data.transactionId);
    expect(failed).toMatchObject({
      type: 'TransactionFailed',
      data: { status: 'failed', reason: { code: 'ACCOUNT.INSUFFICIENT_FUNDS' } },
    });
  });

  it('pays a merchant, refunds part of it, and never lets refunds exceed the payment, even when they race', async () => {
    const payment = createMessage(RequestPayment, movement('100.00', alice, shop), h.meta());
    await h.request(payment);
    expect((await h.final(payment.data.transactionId)).type).toBe('TransactionCompleted');

    const refund = (amount: string) =>
      createMessage(
        RequestRefund,
        {
          transactionId: uuidv7(),
          idempotencyKey: `r-${uuidv7()}`,
          requestHash: hash('b'),
          originalTransactionId: payment.data.transactionId,
          amount,
          currency: 'USD',
        },
        h.meta(),
      );
    const partial = refund('30.00');
    await h.request(partial);
    expect(await h.final(partial.data.transactionId)).toMatchObject({
      type: 'TransactionCompleted',
      data: {
        type: 'refund',
        sourceAccountId: shop,
        destinationAccountId: alice,
        originalTransactionId: payment.data.transactionId,
      },
    });

    // The merchant's funds are not what limits the refunds here: the payment is.
    const funds = createMessage(RequestTopUp, movement('200.00', bank, shop), h.meta());
    await h.request(funds);
    expect((await h.final(funds.data.transactionId)).type).toBe('TransactionCompleted');
    // Six concurrent refunds of 20.00 against the 70.00 left: at most three can succeed.
    const racing = Array.from({ length: 6 }, () => refund('20.00'));
    await Promise.all(racing.map((r) => h.request(r)));
    const outcomes = await Promise.all(racing.map((r) => h.final(r.data.transactionId)));
    const completed = outcomes.filter((o) => o.type === 'TransactionCompleted');
    expect(completed).toHaveLength(3);
    expect(
      outcomes
        .filter((o) => o.type === 'TransactionFailed')
        .every((o) => o.data.reason?.code === 'REFUND.EXCEEDS_ORIGINAL'),
    ).toBe(true);
    const refunded = await h.saga
      .knex('sagas')
      .where({ transaction_id: payment.data.transactionId })
      .first('refunded');
    expect(Number.parseFloat(refunded.refunded)).toBe(90);
  });

  it('refuses a refund of something that is not a completed payment', async () => {
    const refund = createMessage(
      RequestRefund,
      {
        transactionId: uuidv7(),
        idempotencyKey: `r-${uuidv7()}`,
        requestHash: hash('c'),
        originalTransactionId: uuidv7(),
        amount: '1.00',
        currency: 'USD',
      },
      h.meta(),
    );
    await h.request(refund);
    expect(await h.final(refund.data.transactionId)).toMatchObject({
      type: 'TransactionFailed',
      data: { reason: { code: 'REFUND.NOT_REFUNDABLE' } },
    });
  });

  it('withdraws through the payout provider: hold, payout, capture', async () => {
    const withdrawal = createMessage(RequestWithdrawal, movement('40.00', alice, bank), h.meta());
    await h.request(withdrawal);
    const done = await h.final(withdrawal.data.transactionId);
    expect(done).toMatchObject({
      type: 'TransactionCompleted',
      data: { type: 'withdrawal', details: { payoutId: expect.any(String) } },
    });
  });

  it('reverses a withdrawal the payout provider refuses, leaving the balance as it was', async () => {
    const before = h.balance(alice);
    const withdrawal = createMessage(RequestWithdrawal, movement('10.66', alice, bank), h.meta());
    await h.request(withdrawal);
    expect(await h.final(withdrawal.data.transactionId)).toMatchObject({
      type: 'TransactionReversed',
      data: { reason: { code: 'PROVIDER.REFUSED' } },
    });
    expect(h.balance(alice)).toBe(before);
  });

  const bill = (meterNumber: string, amount = '25.00') =>
    createMessage(
      RequestBillPayment,
      {
        transactionId: uuidv7(),
        idempotencyKey: `b-${uuidv7()}`,
        requestHash: hash('d'),
        accountId: alice,
        billType: 'electricity',
        provider: 'ekedc',
        meterNumber,
        amount,
        currency: 'USD',
      },
      h.meta(),
    );

  it('pays a bill: captured into the provider settlement account, the token kept', async () => {
    const payment = bill('12345678901');
    await h.request(payment);
    const done = await h.final(payment.data.transactionId);
    expect(done).toMatchObject({
      type: 'TransactionCompleted',
      data: {
        destinationAccountId: settlementAccountId('ekedc', 'USD'),
        details: { token: expect.stringMatching(/^\d{20}$/), meterNumber: '12345678901' },
      },
    });
  });

  it('reverses a bill the provider refuses (INVALID_ACCOUNT): balances unchanged', async () => {
    const before = h.balance(alice);
    const payment = bill('12340000');
    await h.request(payment);
    expect(await h.final(payment.data.transactionId)).toMatchObject({
      type: 'TransactionReversed',
      data: { reason: { code: 'PROVIDER.INVALID_ACCOUNT' } },
    });
    expect(h.balance(alice)).toBe(before);
  });

  it('a provider timeout followed by a late success gives one outcome and one charge', async () => {
    const purchasesBefore = h.simulator.stats().purchases;
    const payment = bill('12345555');
    await h.request(payment);
    expect((await h.final(payment.data.transactionId)).type).toBe('TransactionCompleted');
    const events = h.events(payment.data.transactionId);
    const FINAL = [
      'TransactionCompleted',
      'TransactionFailed',
      'TransactionReversed',
      'TransactionNeedsAttention',
    ];
    expect(events.filter((e) => FINAL.includes(e.type))).toHaveLength(1);
    // Each attempt is on the timeline: the one that timed out, then the one that was accepted.
    const attempts = events.flatMap((e) =>
      e.type === 'TransactionProviderStepRecorded'
        ? [(e.data as unknown as { outcome: string }).outcome]
        : [],
    );
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(attempts[0]).toBe('timed_out');
    expect(attempts.at(-1)).toBe('accepted');
    // The provider was charged exactly once for it, although it was asked more than once.
    expect(h.simulator.stats().purchases.succeeded - purchasesBefore.succeeded).toBe(1);
    const recorded = await fetch(
      `${h.simulator.url}/v1/bills/electricity/purchases/${payment.data.transactionId}`,
    ).then((r) => r.json());
    expect(recorded).toMatchObject({ status: 'success' });
  });

  it('reverses a bill whose provider never answers, after bounded attempts', async () => {
    const payment = bill('12349999');
    await h.request(payment);
    expect(await h.final(payment.data.transactionId, 60_000)).toMatchObject({
      type: 'TransactionReversed',
      data: { reason: { code: 'PROVIDER.TIMEOUT' } },
    });
  });

  it('refuses a reused idempotency key with other terms and leaves the first transaction alone', async () => {
    const first = createMessage(RequestTransfer, movement('1.00', alice, bob), h.meta());
    await h.request(first);
    await h.final(first.data.transactionId);
    await h.request(
      createMessage(RequestTransfer, { ...first.data, amount: '2.00', requestHash: hash('e') }, h.meta()),
    );
    await waitFor('refusal', () =>
      h.events(first.data.transactionId).find((e) => e.type === 'TransactionRequestRejected'),
    );
    expect(h.events(first.data.transactionId).filter((e) => e.type === 'TransactionCompleted')).toHaveLength(
      1,
    );
  });

  it('sends a ledger command again when its step passes the deadline, and the ledger applies it once', async () => {
    await h.ledger.kill('account-ledger', 'SIGTERM');
    const transfer = createMessage(RequestTransfer, movement('3.00', alice, bob), h.meta());
    await h.request(transfer);
    await waitFor(
      'the command to be sent again',
      async () => {
        // The deadline lives on the saga's row; its attempt counts the sends of the pending command.
        const saga = await h.saga
          .knex('sagas')
          .where({ transaction_id: transfer.data.transactionId })
          .first<{ deadline_attempt: number | null } | undefined>('deadline_attempt');
        return (saga?.deadline_attempt ?? 0) >= 3 ? true : undefined;
      },
      { timeoutMs: 15_000 },
    );
    h.ledger.restart('account-ledger');
    expect((await h.final(transfer.data.transactionId)).type).toBe('TransactionCompleted');
    await waitFor('the replays answered', () =>
      h.probe
        .parsed<{ type: string; data: { transactionId?: string } }>(h.topic('ledgerEvents'))
        .filter((e) => e.type === 'EntryPosted' && e.data.transactionId === transfer.data.transactionId)
        .length >= 3
        ? true
        : undefined,
    );
    const entries = await h.ledgerQuery<{ count: string }>(
      'select count(*) from journal_entries where transaction_id = $1',
      [transfer.data.transactionId],
    );
    expect(entries[0]!.count).toBe('1');
    expect(
      h.events(transfer.data.transactionId).filter((e) => e.type === 'TransactionCompleted'),
    ).toHaveLength(1);
  });

  it.each(fixturesConsumedBy('saga-orchestrator'))(
    'handles the $type fixture from $topic (consumer contract)',
    async ({ topic, message }) => {
      const deps = {
        knex: h.saga.knex,
        hlc: h.hlc,
        nowMs: Date.now,
        topicPrefix: h.prefix,
        logger: createLogger('saga', 'silent'),
        settings: {
          holdTtlMs: 3_600_000,
          stepDeadlineMs: 30_000,
          stepResendsMax: 2,
          providerAttemptsMax: 3,
          providerBackoffMs: 100,
          providerBackoffMaxMs: 1000,
          voidAttemptsMax: 3,
          captureRetriesMax: 2,
          billProviders: ['ekedc'],
          providerCurrencies: ['USD'],
          fundingProvider: 'cardpay',
        },
      };
      const batch = [asConsumed(message)] as never[];
      await expect(
        topic === 'transactionCommands'
          ? handleTransactionCommands(deps, batch)
          : topic === 'deadLetterReplays'
            ? replayHandler({
                kafka: createKafka(
                  {
                    brokers: testEnv().kafkaBrokers,
                    clientId: 'contract',
                    topicPrefix: h.prefix,
                    security: adminSecurity(),
                  },
                  deps.logger,
                ),
                producer: h.producer,
                logger: deps.logger,
                service: 'saga-orchestrator',
                topicPrefix: h.prefix,
                // The fixture names a group of no deployment: refused, and the refusal is sent.
                targets: [],
                hlc: () => h.hlc,
                sessionTimeoutMs: 10_000,
              })(batch, { topic: 'contract-test', partitions: [0] })
            : handleLedgerEvents(deps, batch),
      ).resolves.toBeUndefined();
    },
  );
});
