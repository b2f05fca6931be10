import { FIXTURE_IDS } from '@billing/contracts/fixtures';
import type { TransactionSummary } from '@billing/contracts/messages/transactions';
import { fundingAccountId, settlementAccountId } from '@billing/contracts/uuid';
import type { z } from 'zod';
import type { RESPONSE_BODIES } from './schemas';

/**
 * Example values for the document. The ids are the contracts' fixture ids, so an example can be pasted
 * into a test or a request against a seeded environment and name the same things. The unit test parses
 * every example with the schema it illustrates, so an example that stops being valid fails the build.
 */

type Output<N extends keyof typeof RESPONSE_BODIES> = z.output<(typeof RESPONSE_BODIES)[N]>;

export const IDS = FIXTURE_IDS;
export const CREATED_AT = '2026-01-01T00:00:00.000Z';
export const UPDATED_AT = '2026-01-01T00:00:02.000Z';
export const IDEMPOTENCY_KEY = 'order-2026-0001';
export const OPAQUE_CURSOR = 'MjAyNi0wMS0wMVQwMDowMDowMC4wMDBa';

export const accountView: Output<'AccountView'> = {
  id: IDS.userAccount,
  ownerId: 'user_123',
  ownerType: 'user',
  type: 'USER',
  currency: 'USD',
  status: 'active',
  balance: '75.00',
  availableBalance: '50.00',
  heldAmount: '25.00',
  openHoldCount: 1,
  openHolds: [
    {
      holdId: IDS.hold,
      transactionId: IDS.transaction,
      amount: '25.00',
      expiresAt: '2026-01-01T01:00:00.000Z',
      placedAt: CREATED_AT,
    },
  ],
  limits: { minBalance: null, maxBalance: '10000.00' },
  metadata: { nickname: 'main wallet' },
  version: 4,
  createdAt: CREATED_AT,
  updatedAt: UPDATED_AT,
};

export const openedAccount: Output<'OpenedAccount'> = {
  id: IDS.userAccount,
  ownerId: 'user_123',
  ownerType: 'user',
  type: 'USER',
  currency: 'USD',
  balance: '0.00',
  status: 'active',
  metadata: { nickname: 'main wallet' },
  createdAt: CREATED_AT,
};

export const balanceView: Output<'BalanceView'> = {
  accountId: IDS.userAccount,
  balance: '75.00',
  availableBalance: '50.00',
  currency: 'USD',
  status: 'active',
};

export function summary(
  type: TransactionSummary['type'],
  status: TransactionSummary['status'],
  overrides: Partial<TransactionSummary> = {},
): TransactionSummary {
  return {
    transactionId: IDS.transaction,
    type,
    status,
    amount: '25.00',
    currency: 'USD',
    sourceAccountId: IDS.userAccount,
    destinationAccountId: IDS.merchantAccount,
    idempotencyKey: IDEMPOTENCY_KEY,
    reason: null,
    originalTransactionId: null,
    details: {},
    createdAt: CREATED_AT,
    updatedAt: UPDATED_AT,
    ...overrides,
  };
}

export const topUpCompleted = summary('topup', 'completed', {
  sourceAccountId: IDS.externalAccount,
  destinationAccountId: IDS.userAccount,
  amount: '100.00',
});

/** An owner's top-up, collected through the funding provider and credited from its EXTERNAL account. */
export const collectedTopUpCompleted = summary('topup', 'completed', {
  sourceAccountId: fundingAccountId('acme-funding', 'USD'),
  destinationAccountId: IDS.userAccount,
  amount: '100.00',
  details: {
    fundingMethod: 'card',
    fundingSourceReference: 'tok_visa_4242',
    collectionId: 'COL-0123456789AB',
  },
});

/** The saga could not finish on its own: the provider paid out, and the capture was refused. */
export const withdrawalNeedsAttention = summary('withdrawal', 'needs_attention', {
  destinationAccountId: IDS.externalAccount,
  reason: {
    code: 'SAGA.CAPTURE_FAILED',
    detail: 'the provider paid; the capture was refused: ACCOUNT.INACTIVE',
  },
  details: { payoutId: 'PAY-0123456789AB' },
});

export const transferCompleted = summary('transfer', 'completed');
export const paymentCompleted = summary('payment', 'completed', { transactionId: IDS.payment });
export const withdrawalReversed = summary('withdrawal', 'reversed', {
  destinationAccountId: IDS.externalAccount,
  reason: { code: 'PROVIDER.REFUSED', detail: 'the payout provider refused the transfer' },
});
export const refundCompleted = summary('refund', 'completed', {
  sourceAccountId: IDS.merchantAccount,
  destinationAccountId: IDS.userAccount,
  amount: '10.00',
  originalTransactionId: IDS.payment,
});
export const billPaymentCompleted = summary('bill_payment', 'completed', {
  destinationAccountId: settlementAccountId('acme-power', 'USD'),
  amount: '20.00',
  details: {
    provider: 'acme-power',
    meterNumber: '04123456789',
    billType: 'electricity',
    token: '1234-5678-9012',
  },
});

export const pendingTransaction: Output<'PendingTransaction'> = {
  transactionId: IDS.transaction,
  status: 'pending',
};

export const transactionDetails: Output<'TransactionDetails'> = {
  ...paymentCompleted,
  investigation: null,
  finishedAt: UPDATED_AT,
  refunds: [{ transactionId: IDS.transaction, status: 'completed', amount: '10.00', createdAt: UPDATED_AT }],
  refundedAmount: '10.00',
  refundableAmount: '15.00',
};

export const transactionPage: Output<'TransactionPage'> = {
  items: [transferCompleted, topUpCompleted],
  nextCursor: OPAQUE_CURSOR,
};

export const stuckPage: Output<'StuckTransactionPage'> = {
  items: [
    {
      ...summary('withdrawal', 'pending'),
      investigation: {
        note: 'customer says the payout never arrived',
        flaggedBy: { kind: 'admin', id: 'ops-1' },
        flaggedAt: '2026-01-01T00:10:00.000Z',
      },
      deadlineAt: '2026-01-01T00:05:00.000Z',
    },
  ],
  nextCursor: null,
  stuckAfterMs: 300000,
};

export const attentionPage: Output<'AttentionTransactionPage'> = {
  items: [{ ...withdrawalNeedsAttention, investigation: null }],
  nextCursor: null,
};

export const statement: Output<'Statement'> = {
  accountId: IDS.userAccount,
  currency: 'USD',
  from: null,
  to: '2026-02-01T00:00:00.000Z',
  openingBalance: '0.00',
  closingBalance: '75.00',
  lines: [
    {
      version: 2,
      entryId: IDS.entry,
      transactionId: IDS.transaction,
      transactionType: 'topup',
      step: 'post',
      side: 'credit',
      amount: '100.00',
      balanceAfter: '100.00',
      reversesEntryId: null,
      postedAt: CREATED_AT,
    },
    {
      version: 3,
      entryId: '0192f0a0-0000-7000-8000-000000000009',
      transactionId: IDS.payment,
      transactionType: 'payment',
      step: 'post',
      side: 'debit',
      amount: '25.00',
      balanceAfter: '75.00',
      reversesEntryId: null,
      postedAt: UPDATED_AT,
    },
  ],
  truncated: false,
};

export const trialBalance: Output<'TrialBalance'> = {
  currencies: [{ currency: 'USD', debits: '1250.00', credits: '1250.00', net: '0.00' }],
};

export const currencyList: Output<'CurrencyList'> = {
  currencies: [
    { code: 'USD', scale: 2, kind: 'fiat' },
    { code: 'BTC', scale: 8, kind: 'crypto' },
    { code: 'POINTS', scale: 0, kind: 'points' },
  ],
};
