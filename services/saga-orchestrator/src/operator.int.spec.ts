import { createMessage } from '@billing/contracts/catalog';
import type { Actor } from '@billing/contracts/envelope';
import {
  FlagTransactionForInvestigation,
  RetryTransactionStep,
} from '@billing/contracts/messages/operations';
import { RequestTopUp, RequestWithdrawal } from '@billing/contracts/messages/transactions';
import { uuidv7 } from '@billing/contracts/uuid';
import { waitFor } from '@billing/testing/wait';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SagaHarness } from '../test/saga-harness';

/**
 * Operators' retries against the real ledger, broker, PostgreSQL and provider simulator, for the steps
 * a retry makes due now instead of re-sending: a provider attempt scheduled far ahead runs at once, and
 * a finished saga is refused. (A lost ledger answer re-sent and answered as a replay is in
 * test/e2e/operator-actions.e2e.spec.ts.)
 */
const h = new SagaHarness('operator');
const SAGA_ENV = {
  PROVIDER_TIMEOUT_MS: '300',
  // The next provider attempt is a minute away: only a retry brings it forward within the test.
  PROVIDER_BACKOFF_MS: '60000',
  PROVIDER_BACKOFF_MAX_MS: '60000',
  PROVIDER_ATTEMPTS_MAX: '5',
  TASK_POLL_INTERVAL_MS: '100',
};
const alice: Actor = { kind: 'owner', id: 'alice' };
const ops: Actor = { kind: 'admin', id: 'ops-1' };
let bank: string;
let aliceAccount: string;

function movement(amount: string, source: string, destination: string) {
  return {
    transactionId: uuidv7(),
    idempotencyKey: `k-${uuidv7()}`,
    requestHash: 'a'.repeat(64),
    sourceAccountId: source,
    destinationAccountId: destination,
    amount,
    currency: 'USD',
  };
}

const operator = (transactionId: string) => ({
  transactionId,
  requestId: uuidv7(),
  requestHash: 'e'.repeat(64),
});

type Answer = { type: string; causationId: string | null; data: Record<string, unknown> };
const answerTo = (transactionId: string, commandId: string) =>
  waitFor(`answer to ${commandId}`, () =>
    (h.events(transactionId) as unknown as Answer[]).find((e) => e.causationId === commandId),
  );

beforeAll(async () => {
  await h.start({}, SAGA_ENV);
  [bank, aliceAccount] = await Promise.all([
    h.openAccount('EXTERNAL', 'bank'),
    h.openAccount('USER', 'alice'),
  ]);
  const topUp = createMessage(RequestTopUp, movement('100.00', bank, aliceAccount), h.meta());
  await h.request(topUp);
  expect((await h.final(topUp.data.transactionId)).type).toBe('TransactionCompleted');
}, 120_000);

afterAll(async () => {
  await h.stop();
});

describe('an operator retrying a saga', () => {
  it('brings a provider attempt scheduled a minute ahead forward, once, and refuses an owner', async () => {
    const payee = await h.openAccount('EXTERNAL', 'payee');
    // .77: the payout provider never answers, so the saga waits on its next attempt.
    const withdrawal = createMessage(RequestWithdrawal, movement('5.77', aliceAccount, payee), h.meta(alice));
    const id = withdrawal.data.transactionId;
    await h.request(withdrawal);
    const dueLater = await waitFor('the second attempt scheduled', async () => {
      const rows = await h.saga
        .knex('saga_tasks')
        .where({ transaction_id: id, kind: 'provider', attempt: 2 })
        .whereNull('done_at')
        .select<{ due_at: Date }[]>('due_at');
      return rows[0];
    });
    expect(dueLater.due_at.getTime()).toBeGreaterThan(Date.now() + 30_000);

    const byOwner = createMessage(RetryTransactionStep, operator(id), h.meta(alice));
    await h.request(byOwner);
    expect(await answerTo(id, byOwner.messageId)).toMatchObject({
      type: 'TransactionActionRefused',
      data: { code: 'AUTH.FORBIDDEN' },
    });

    const retry = createMessage(RetryTransactionStep, operator(id), h.meta(ops));
    await h.request(retry);
    expect(await answerTo(id, retry.messageId)).toMatchObject({
      type: 'TransactionStepRetried',
      data: { step: 'provider attempt 2', commandId: null, requestedBy: ops },
    });
    await waitFor(
      'the second attempt to run now',
      async () => {
        const rows = await h.saga
          .knex('saga_tasks')
          .where({ transaction_id: id, kind: 'provider', attempt: 2 })
          .whereNotNull('done_at')
          .select('id');
        return rows.length === 1 ? true : undefined;
      },
      { timeoutMs: 10_000 },
    );
    // One task per attempt: the retry moved the scheduled one, it added none.
    const attempts = await h.saga
      .knex('saga_tasks')
      .where({ transaction_id: id, kind: 'provider' })
      .select<{ attempt: number }[]>('attempt')
      .orderBy('attempt');
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
  }, 90_000);

  it('refuses a retry of a completed transaction, and flags it without changing it', async () => {
    const topUp = createMessage(RequestTopUp, movement('1.00', bank, aliceAccount), h.meta());
    const id = topUp.data.transactionId;
    await h.request(topUp);
    await h.final(id);
    const retry = createMessage(RetryTransactionStep, operator(id), h.meta(ops));
    await h.request(retry);
    expect(await answerTo(id, retry.messageId)).toMatchObject({
      type: 'TransactionActionRefused',
      data: { code: 'TRANSACTION.NOT_RETRYABLE' },
    });
    const [before] = await h.saga.knex('sagas').where({ transaction_id: id }).select('completed_at');
    const flag = createMessage(
      FlagTransactionForInvestigation,
      { ...operator(id), note: 'customer disputes it' },
      h.meta(ops),
    );
    await h.request(flag);
    expect(await answerTo(id, flag.messageId)).toMatchObject({ type: 'TransactionInvestigationFlagged' });
    const [after] = await h.saga
      .knex('sagas')
      .where({ transaction_id: id })
      .select('status', 'completed_at', 'state');
    expect(after).toMatchObject({ status: 'completed', completed_at: before.completed_at });
    expect(after.state.investigation).toMatchObject({ note: 'customer disputes it', flaggedBy: ops });
  }, 60_000);
});
