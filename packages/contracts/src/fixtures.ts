import type { Actor } from './envelope';
import { createMessage } from './catalog';
import { AccountOpened, OpenAccount } from './messages/accounts';
import { CommandRejected, EntryPosted, PostEntry } from './messages/ledger';
import {
  RequestTopUp,
  TransactionAccepted,
  TransactionCompleted,
  TransactionFailed,
  TransactionRequestRejected,
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
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
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
} as const;

export type FixtureType = keyof typeof fixtures;

export const queryFixtures: Record<QueryRequest['type'], QueryRequest> = {
  GetAccount: { type: 'GetAccount', actor: FIXTURE_ADMIN, accountId: FIXTURE_IDS.userAccount },
  GetAccountBalance: { type: 'GetAccountBalance', actor: FIXTURE_OWNER, accountId: FIXTURE_IDS.userAccount },
  GetTransaction: { type: 'GetTransaction', actor: FIXTURE_ADMIN, transactionId: FIXTURE_IDS.transaction },
};
