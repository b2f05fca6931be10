import type { Actor } from './envelope';
import { createMessage } from './catalog';
import {
  AccountLimitsChanged,
  AccountOpened,
  AccountStatusChanged,
  AddCurrency,
  ChangeAccountStatus,
  CurrencyAdded,
  OpenAccount,
  SetAccountLimits,
} from './messages/accounts';
import {
  CaptureHold,
  HoldCaptured,
  HoldPlaced,
  HoldReleased,
  PlaceHold,
  ReleaseHold,
} from './messages/holds';
import { CommandRejected, EntryPosted, PostEntry, ReverseEntry } from './messages/ledger';
import {
  ClearTransactionInvestigation,
  FlagTransactionForInvestigation,
  RetryTransactionStep,
  TransactionActionRefused,
  TransactionActionReplayed,
  TransactionInvestigationCleared,
  TransactionInvestigationFlagged,
  TransactionStepRetried,
} from './messages/operations';
import { DeadLetterReplayed, ReplayDeadLetter } from './messages/dead-letters';
import { RepublishAccountEvents } from './messages/repairs';
import {
  RequestTopUp,
  TransactionAccepted,
  TransactionCompleted,
  TransactionFailed,
  TransactionRequestRejected,
  TransactionRequestReplayed,
  TransactionProviderStepRecorded,
  TransactionReversed,
  TransactionNeedsAttention,
  RequestWithdrawal,
  RequestTransfer,
  RequestPayment,
  RequestRefund,
  RequestBillPayment,
  type TransactionSummary,
} from './messages/transactions';
import type { QueryRequest } from './messages/queries';

/**
 * One valid example of every message, built through the same constructor producers use. Contract tests
 * feed each fixture to every consumer of its topic; docs and OpenAPI examples reuse them.
 */

export const FIXTURE_IDS = {
  externalAccount: '0192f0a0-0000-7000-8000-000000000001',
  userAccount: '0192f0a0-0000-7000-8000-000000000002',
  transaction: '0192f0a0-0000-7000-8000-000000000003',
  entry: '0192f0a0-0000-7000-8000-000000000004',
  command: '0192f0a0-0000-7000-8000-000000000005',
  hold: '0192f0a0-0000-7000-8000-000000000006',
  merchantAccount: '0192f0a0-0000-7000-8000-000000000007',
  payment: '0192f0a0-0000-7000-8000-000000000008',
  operatorRequest: '0192f0a0-0000-7000-8000-000000000009',
  replay: '0192f0a0-0000-7000-8000-00000000000a',
} as const;

export const FIXTURE_ADMIN: Actor = { kind: 'admin', id: 'admin-1' };
export const FIXTURE_OWNER: Actor = { kind: 'owner', id: 'user_123' };

const NOW = Date.parse('2026-01-01T00:00:00.000Z');
let counter = 0;
function meta(actor: Actor = FIXTURE_ADMIN) {
  counter += 1;
  return {
    actor,
    hlc: `${String(NOW).padStart(15, '0')}.${String(counter).padStart(5, '0')}.fixtures`,
    causedBy: null,
    nowMs: NOW,
  };
}

const summary: TransactionSummary = {
  transactionId: FIXTURE_IDS.transaction,
  type: 'topup',
  status: 'pending',
  amount: '100.00',
  currency: 'USD',
  sourceAccountId: FIXTURE_IDS.externalAccount,
  destinationAccountId: FIXTURE_IDS.userAccount,
  idempotencyKey: 'topup-key-0001',
  reason: null,
  originalTransactionId: null,
  details: {},
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

const movement = {
  transactionId: FIXTURE_IDS.transaction,
  idempotencyKey: 'movement-key-0001',
  requestHash: 'c'.repeat(64),
  sourceAccountId: FIXTURE_IDS.userAccount,
  destinationAccountId: FIXTURE_IDS.externalAccount,
  amount: '25.00',
  currency: 'USD',
};

export const fixtures = {
  OpenAccount: createMessage(
    OpenAccount,
    {
      accountId: FIXTURE_IDS.userAccount,
      ownerId: 'user_123',
      ownerType: 'user',
      type: 'USER',
      currency: 'USD',
      metadata: {},
    },
    meta(),
  ),
  AccountOpened: createMessage(
    AccountOpened,
    {
      accountId: FIXTURE_IDS.userAccount,
      ownerId: 'user_123',
      ownerType: 'user',
      type: 'USER',
      currency: 'USD',
      status: 'active',
      balance: '0.00',
      metadata: {},
      streamVersion: 1,
      openedAt: '2026-01-01T00:00:00.000Z',
    },
    meta(),
  ),
  RequestTopUp: createMessage(
    RequestTopUp,
    {
      transactionId: FIXTURE_IDS.transaction,
      idempotencyKey: 'topup-key-0001',
      requestHash: 'a'.repeat(64),
      sourceAccountId: FIXTURE_IDS.externalAccount,
      destinationAccountId: FIXTURE_IDS.userAccount,
      amount: '100.00',
      currency: 'USD',
    },
    meta(),
  ),
  PostEntry: createMessage(
    PostEntry,
    {
      commandId: FIXTURE_IDS.command,
      transactionId: FIXTURE_IDS.transaction,
      transactionType: 'topup',
      step: 'post',
      currency: 'USD',
      postings: [
        { accountId: FIXTURE_IDS.externalAccount, side: 'debit', amount: '100.00' },
        { accountId: FIXTURE_IDS.userAccount, side: 'credit', amount: '100.00' },
      ],
    },
    meta(),
  ),
  EntryPosted: createMessage(
    EntryPosted,
    {
      entryId: FIXTURE_IDS.entry,
      commandId: FIXTURE_IDS.command,
      transactionId: FIXTURE_IDS.transaction,
      transactionType: 'topup',
      step: 'post',
      currency: 'USD',
      postings: [
        {
          accountId: FIXTURE_IDS.externalAccount,
          side: 'debit',
          amount: '100.00',
          balanceAfter: '-100.00',
          streamVersion: 2,
        },
        {
          accountId: FIXTURE_IDS.userAccount,
          side: 'credit',
          amount: '100.00',
          balanceAfter: '100.00',
          streamVersion: 2,
        },
      ],
      postedAt: '2026-01-01T00:00:00.000Z',
    },
    meta(),
  ),
  CommandRejected: createMessage(
    CommandRejected,
    {
      commandId: FIXTURE_IDS.command,
      commandType: 'PostEntry',
      transactionId: FIXTURE_IDS.transaction,
      accountId: FIXTURE_IDS.externalAccount,
      code: 'ACCOUNT.NOT_FOUND',
      detail: 'account 0192f0a0-0000-7000-8000-000000000001 does not exist',
      context: {},
    },
    meta(),
  ),
  TransactionAccepted: createMessage(TransactionAccepted, summary, meta()),
  TransactionCompleted: createMessage(TransactionCompleted, { ...summary, status: 'completed' }, meta()),
  TransactionFailed: createMessage(
    TransactionFailed,
    {
      ...summary,
      status: 'failed',
      reason: { code: 'ACCOUNT.NOT_FOUND', detail: 'account does not exist' },
    },
    meta(),
  ),
  ChangeAccountStatus: createMessage(
    ChangeAccountStatus,
    { accountId: FIXTURE_IDS.userAccount, status: 'suspended', reason: 'fraud review' },
    meta(),
  ),
  AccountStatusChanged: createMessage(
    AccountStatusChanged,
    {
      commandId: FIXTURE_IDS.command,
      accountId: FIXTURE_IDS.userAccount,
      previousStatus: 'active',
      status: 'suspended',
      reason: 'fraud review',
      streamVersion: 2,
      changedAt: '2026-01-01T00:00:00.000Z',
    },
    meta(),
  ),
  SetAccountLimits: createMessage(
    SetAccountLimits,
    { accountId: FIXTURE_IDS.userAccount, minBalance: '-50.00', maxBalance: '10000.00' },
    meta(),
  ),
  AccountLimitsChanged: createMessage(
    AccountLimitsChanged,
    {
      commandId: FIXTURE_IDS.command,
      accountId: FIXTURE_IDS.userAccount,
      minBalance: '-50.00',
      maxBalance: '10000.00',
      streamVersion: 2,
      changedAt: '2026-01-01T00:00:00.000Z',
    },
    meta(),
  ),
  AddCurrency: createMessage(AddCurrency, { code: 'CHF', scale: 2, kind: 'fiat' }, meta()),
  CurrencyAdded: createMessage(
    CurrencyAdded,
    { commandId: FIXTURE_IDS.command, code: 'CHF', scale: 2, kind: 'fiat' },
    meta(),
  ),
  PlaceHold: createMessage(
    PlaceHold,
    {
      commandId: FIXTURE_IDS.command,
      holdId: FIXTURE_IDS.hold,
      transactionId: FIXTURE_IDS.transaction,
      transactionType: 'withdrawal',
      accountId: FIXTURE_IDS.userAccount,
      amount: '25.00',
      currency: 'USD',
      expiresAt: '2026-01-01T01:00:00.000Z',
    },
    meta(),
  ),
  CaptureHold: createMessage(
    CaptureHold,
    {
      commandId: FIXTURE_IDS.command,
      holdId: FIXTURE_IDS.hold,
      transactionId: FIXTURE_IDS.transaction,
      step: 'capture',
      creditAccountId: FIXTURE_IDS.externalAccount,
      amount: '20.00',
    },
    meta(),
  ),
  ReleaseHold: createMessage(
    ReleaseHold,
    {
      commandId: FIXTURE_IDS.command,
      holdId: FIXTURE_IDS.hold,
      transactionId: FIXTURE_IDS.transaction,
      reason: 'payout refused',
    },
    meta(),
  ),
  ReverseEntry: createMessage(
    ReverseEntry,
    {
      commandId: FIXTURE_IDS.command,
      entryId: FIXTURE_IDS.entry,
      transactionId: FIXTURE_IDS.transaction,
      step: 'reverse',
      reason: 'posted to the wrong account',
    },
    meta(),
  ),
  HoldPlaced: createMessage(
    HoldPlaced,
    {
      commandId: FIXTURE_IDS.command,
      holdId: FIXTURE_IDS.hold,
      transactionId: FIXTURE_IDS.transaction,
      accountId: FIXTURE_IDS.userAccount,
      currency: 'USD',
      amount: '25.00',
      streamVersion: 3,
      availableAfter: '75.00',
      expiresAt: '2026-01-01T01:00:00.000Z',
      placedAt: '2026-01-01T00:00:00.000Z',
    },
    meta(),
  ),
  HoldCaptured: createMessage(
    HoldCaptured,
    {
      commandId: FIXTURE_IDS.command,
      holdId: FIXTURE_IDS.hold,
      transactionId: FIXTURE_IDS.transaction,
      accountId: FIXTURE_IDS.userAccount,
      currency: 'USD',
      entryId: FIXTURE_IDS.entry,
      capturedAmount: '20.00',
      releasedAmount: '5.00',
      streamVersion: 4,
      availableAfter: '80.00',
      capturedAt: '2026-01-01T00:00:00.000Z',
    },
    meta(),
  ),
  HoldReleased: createMessage(
    HoldReleased,
    {
      commandId: null,
      holdId: FIXTURE_IDS.hold,
      transactionId: FIXTURE_IDS.transaction,
      accountId: FIXTURE_IDS.userAccount,
      currency: 'USD',
      amount: '25.00',
      reason: 'expired',
      streamVersion: 4,
      availableAfter: '100.00',
      releasedAt: '2026-01-01T01:00:00.000Z',
    },
    meta(),
  ),
  RequestWithdrawal: createMessage(RequestWithdrawal, movement, meta(FIXTURE_OWNER)),
  RequestTransfer: createMessage(
    RequestTransfer,
    { ...movement, destinationAccountId: FIXTURE_IDS.merchantAccount },
    meta(FIXTURE_OWNER),
  ),
  RequestPayment: createMessage(
    RequestPayment,
    { ...movement, destinationAccountId: FIXTURE_IDS.merchantAccount },
    meta(FIXTURE_OWNER),
  ),
  RequestRefund: createMessage(
    RequestRefund,
    {
      transactionId: FIXTURE_IDS.transaction,
      idempotencyKey: 'refund-key-0001',
      requestHash: 'd'.repeat(64),
      originalTransactionId: FIXTURE_IDS.payment,
      amount: '10.00',
      currency: 'USD',
    },
    meta(),
  ),
  RequestBillPayment: createMessage(
    RequestBillPayment,
    {
      transactionId: FIXTURE_IDS.transaction,
      idempotencyKey: 'bill-key-0001',
      requestHash: 'e'.repeat(64),
      accountId: FIXTURE_IDS.userAccount,
      billType: 'electricity',
      provider: 'ekedc',
      meterNumber: '12345678901',
      amount: '50.00',
      currency: 'USD',
    },
    meta(FIXTURE_OWNER),
  ),
  TransactionReversed: createMessage(
    TransactionReversed,
    {
      ...summary,
      type: 'bill_payment',
      status: 'reversed',
      reason: { code: 'PROVIDER.INVALID_ACCOUNT', detail: 'the provider refused the meter number' },
      details: { provider: 'ekedc', meterNumber: '12345670000', billType: 'electricity' },
    },
    meta(),
  ),
  TransactionNeedsAttention: createMessage(
    TransactionNeedsAttention,
    {
      ...summary,
      type: 'withdrawal',
      status: 'needs_attention',
      reason: {
        code: 'SAGA.CAPTURE_FAILED',
        detail: 'the provider paid; the capture was refused: ACCOUNT.INACTIVE',
      },
      details: { payoutId: 'PAY-0123456789AB' },
    },
    meta(),
  ),
  TransactionRequestRejected: createMessage(
    TransactionRequestRejected,
    {
      transactionId: FIXTURE_IDS.transaction,
      requestHash: 'b'.repeat(64),
      code: 'IDEMPOTENCY.KEY_REUSED',
      detail: 'the idempotency key was used for a different request',
    },
    meta(),
  ),
  RepublishAccountEvents: createMessage(
    RepublishAccountEvents,
    {
      accountId: FIXTURE_IDS.userAccount,
      fromVersion: 2,
      toVersion: 3,
      appliedVersion: 1,
      parkedSince: '2026-01-01T00:00:00.000Z',
    },
    meta({ kind: 'system', id: 'projection-query' }),
  ),
  TransactionRequestReplayed: createMessage(
    TransactionRequestReplayed,
    { requestHash: 'c'.repeat(64), transaction: { ...summary, status: 'completed' } },
    meta(),
  ),
  RetryTransactionStep: createMessage(
    RetryTransactionStep,
    {
      transactionId: FIXTURE_IDS.transaction,
      requestId: FIXTURE_IDS.operatorRequest,
      requestHash: 'd'.repeat(64),
    },
    meta(),
  ),
  FlagTransactionForInvestigation: createMessage(
    FlagTransactionForInvestigation,
    {
      transactionId: FIXTURE_IDS.transaction,
      requestId: FIXTURE_IDS.operatorRequest,
      requestHash: 'd'.repeat(64),
      note: 'customer says the payout never arrived; checking with the provider',
    },
    meta(),
  ),
  ClearTransactionInvestigation: createMessage(
    ClearTransactionInvestigation,
    {
      transactionId: FIXTURE_IDS.transaction,
      requestId: FIXTURE_IDS.operatorRequest,
      requestHash: 'd'.repeat(64),
      note: 'the provider confirmed the payout',
    },
    meta(),
  ),
  TransactionProviderStepRecorded: createMessage(
    TransactionProviderStepRecorded,
    {
      transactionId: FIXTURE_IDS.transaction,
      provider: 'ekedc',
      operation: 'pay_bill',
      attempt: 1,
      outcome: 'accepted',
      code: null,
      detail: null,
      providerReference: 'EKEDC-000123',
      at: '2026-01-01T00:00:02.000Z',
    },
    meta(),
  ),
  TransactionStepRetried: createMessage(
    TransactionStepRetried,
    {
      transactionId: FIXTURE_IDS.transaction,
      requestId: FIXTURE_IDS.operatorRequest,
      step: 'PlaceHold',
      commandId: FIXTURE_IDS.command,
      status: 'pending',
      requestedBy: FIXTURE_ADMIN,
      at: '2026-01-01T00:10:00.000Z',
    },
    meta(),
  ),
  TransactionInvestigationFlagged: createMessage(
    TransactionInvestigationFlagged,
    {
      transactionId: FIXTURE_IDS.transaction,
      requestId: FIXTURE_IDS.operatorRequest,
      note: 'customer says the payout never arrived; checking with the provider',
      flaggedBy: FIXTURE_ADMIN,
      flaggedAt: '2026-01-01T00:10:00.000Z',
    },
    meta(),
  ),
  TransactionInvestigationCleared: createMessage(
    TransactionInvestigationCleared,
    {
      transactionId: FIXTURE_IDS.transaction,
      requestId: FIXTURE_IDS.operatorRequest,
      note: 'the provider confirmed the payout',
      clearedBy: FIXTURE_ADMIN,
      clearedAt: '2026-01-01T00:20:00.000Z',
    },
    meta(),
  ),
  TransactionActionRefused: createMessage(
    TransactionActionRefused,
    {
      transactionId: FIXTURE_IDS.transaction,
      requestId: FIXTURE_IDS.operatorRequest,
      requestHash: 'd'.repeat(64),
      action: 'retry',
      code: 'TRANSACTION.NOT_RETRYABLE',
      detail: 'the transaction is completed; there is no step to retry',
    },
    meta(),
  ),
  TransactionActionReplayed: createMessage(
    TransactionActionReplayed,
    {
      transactionId: FIXTURE_IDS.transaction,
      record: {
        requestId: FIXTURE_IDS.operatorRequest,
        requestHash: 'd'.repeat(64),
        action: 'retry',
        outcome: 'retried',
        step: 'PlaceHold',
        note: null,
        code: null,
        detail: null,
        actor: FIXTURE_ADMIN,
        at: '2026-01-01T00:10:00.000Z',
      },
    },
    meta(),
  ),
  ReplayDeadLetter: createMessage(
    ReplayDeadLetter,
    {
      deadLetterId: '1:42',
      service: 'saga-orchestrator',
      consumerGroup: 'saga-orchestrator.transaction-commands',
      originalTopic: 'billing.transaction.commands',
      originalPartition: 4,
      originalOffset: '1187',
      messageId: FIXTURE_IDS.command,
    },
    meta(),
  ),
  DeadLetterReplayed: createMessage(
    DeadLetterReplayed,
    {
      deadLetterId: '1:42',
      replayId: FIXTURE_IDS.replay,
      service: 'saga-orchestrator',
      consumerGroup: 'saga-orchestrator.transaction-commands',
      outcome: 'failed',
      code: 'MESSAGE.UNKNOWN_VERSION',
      detail:
        'RequestTopUp v2 is not a version consumers of billing.transaction.commands accept (they accept v1)',
    },
    meta({ kind: 'system', id: 'saga-orchestrator' }),
  ),
} as const;

export type FixtureType = keyof typeof fixtures;

export const queryFixtures: Record<QueryRequest['type'], QueryRequest> = {
  GetAccount: { type: 'GetAccount', actor: FIXTURE_ADMIN, accountId: FIXTURE_IDS.userAccount },
  GetAccountBalance: { type: 'GetAccountBalance', actor: FIXTURE_OWNER, accountId: FIXTURE_IDS.userAccount },
  GetTransaction: { type: 'GetTransaction', actor: FIXTURE_ADMIN, transactionId: FIXTURE_IDS.transaction },
  ListAccounts: { type: 'ListAccounts', actor: FIXTURE_OWNER, ownerId: 'user_123', limit: 50, cursor: null },
  ListAccountTransactions: {
    type: 'ListAccountTransactions',
    actor: FIXTURE_OWNER,
    accountId: FIXTURE_IDS.userAccount,
    transactionType: 'topup',
    status: 'completed',
    from: '2026-01-01T00:00:00.000Z',
    to: null,
    limit: 50,
    cursor: null,
  },
  GetStatement: {
    type: 'GetStatement',
    actor: FIXTURE_OWNER,
    accountId: FIXTURE_IDS.userAccount,
    from: '2026-01-01T00:00:00.000Z',
    to: '2026-02-01T00:00:00.000Z',
  },
  GetTrialBalance: { type: 'GetTrialBalance', actor: FIXTURE_ADMIN },
  ListStuckTransactions: {
    type: 'ListStuckTransactions',
    actor: FIXTURE_ADMIN,
    limit: 50,
    cursor: null,
    flagged: null,
  },
  ListCurrencies: { type: 'ListCurrencies', actor: FIXTURE_OWNER },
  ListTransactionsNeedingAttention: {
    type: 'ListTransactionsNeedingAttention',
    actor: FIXTURE_ADMIN,
    limit: 50,
    cursor: null,
    flagged: true,
  },
  GetTransactionActivity: { type: 'GetTransactionActivity', actor: FIXTURE_ADMIN, minutes: 60 },
  GetTransactionTimeline: {
    type: 'GetTransactionTimeline',
    actor: FIXTURE_OWNER,
    transactionId: FIXTURE_IDS.transaction,
  },
  ListDeadLetters: {
    type: 'ListDeadLetters',
    actor: FIXTURE_ADMIN,
    consumerGroup: null,
    errorCode: 'MESSAGE.UNKNOWN_VERSION',
    originalTopic: null,
    replayState: null,
    limit: 50,
    cursor: null,
  },
  GetDeadLetter: { type: 'GetDeadLetter', actor: FIXTURE_ADMIN, deadLetterId: '1:42' },
};
