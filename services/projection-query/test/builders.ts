import { createMessage } from '@billing/contracts/catalog';
import { HybridLogicalClock } from '@billing/contracts/hlc';
import {
  AccountOpened,
  AccountStatusChanged,
  AccountLimitsChanged,
} from '@billing/contracts/messages/accounts';
import { HoldCaptured, HoldPlaced, HoldReleased } from '@billing/contracts/messages/holds';
import { EntryPosted } from '@billing/contracts/messages/ledger';
import {
  TransactionAccepted,
  TransactionCompleted,
  TransactionFailed,
  TransactionNeedsAttention,
  TransactionProviderStepRecorded,
  type TransactionProviderStepRecordedMessage,
  type TransactionSummary,
} from '@billing/contracts/messages/transactions';
import { uuidv7 } from '@billing/contracts/uuid';
import type { AccountStreamItem } from '../src/accounts/account-stream';

/** Builders of events as the ledger and the orchestrator publish them, and of stream items. */
const hlc = new HybridLogicalClock('test');
const admin = { kind: 'admin' as const, id: 'admin' };
export const meta = () => ({ actor: admin, hlc: hlc.now(), causedBy: null, nowMs: Date.now() });

export function anAccountOpened(
  o: {
    accountId?: string;
    ownerId?: string;
    type?: 'USER' | 'EXTERNAL' | 'SYSTEM';
    currency?: string;
    openedAt?: string;
  } = {},
) {
  return createMessage(
    AccountOpened,
    {
      accountId: o.accountId ?? uuidv7(),
      ownerId: o.ownerId ?? 'alice',
      ownerType: 'user',
      type: o.type ?? 'USER',
      currency: o.currency ?? 'USD',
      status: 'active',
      balance: o.currency === 'JPY' ? '0' : '0.00',
      metadata: {},
      streamVersion: 1,
      openedAt: o.openedAt ?? new Date().toISOString(),
    },
    meta(),
  );
}

export interface PostingSpec {
  accountId: string;
  side: 'debit' | 'credit';
  amount: string;
  balanceAfter: string;
  streamVersion: number;
}

export function anEntryPosted(
  postings: PostingSpec[],
  o: {
    transactionId?: string;
    transactionType?: 'topup' | 'transfer' | 'payment' | 'refund' | 'withdrawal';
    postedAt?: string;
    step?: string;
  } = {},
) {
  return createMessage(
    EntryPosted,
    {
      entryId: uuidv7(),
      commandId: uuidv7(),
      transactionId: o.transactionId ?? uuidv7(),
      transactionType: o.transactionType ?? 'topup',
      step: o.step ?? 'post',
      currency: 'USD',
      postings,
      postedAt: o.postedAt ?? new Date().toISOString(),
    },
    meta(),
  );
}

/** A top-up: the bank's EXTERNAL account debited, the user's account credited. */
export function aTopUpEntry(
  bank: { id: string; balanceAfter: string; version: number },
  user: { id: string; balanceAfter: string; version: number },
  amount: string,
  o: { transactionId?: string; postedAt?: string } = {},
) {
  return anEntryPosted(
    [
      {
        accountId: bank.id,
        side: 'debit',
        amount,
        balanceAfter: bank.balanceAfter,
        streamVersion: bank.version,
      },
      {
        accountId: user.id,
        side: 'credit',
        amount,
        balanceAfter: user.balanceAfter,
        streamVersion: user.version,
      },
    ],
    o,
  );
}

export function aHoldPlaced(o: {
  accountId: string;
  holdId?: string;
  amount: string;
  version: number;
  availableAfter: string;
  transactionId?: string;
}) {
  return createMessage(
    HoldPlaced,
    {
      commandId: uuidv7(),
      holdId: o.holdId ?? uuidv7(),
      transactionId: o.transactionId ?? uuidv7(),
      accountId: o.accountId,
      currency: 'USD',
      amount: o.amount,
      streamVersion: o.version,
      availableAfter: o.availableAfter,
      expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      placedAt: new Date().toISOString(),
    },
    meta(),
  );
}

export function aHoldCaptured(o: {
  accountId: string;
  holdId: string;
  transactionId: string;
  captured: string;
  released: string;
  version: number;
  availableAfter: string;
}) {
  return createMessage(
    HoldCaptured,
    {
      commandId: uuidv7(),
      holdId: o.holdId,
      transactionId: o.transactionId,
      accountId: o.accountId,
      currency: 'USD',
      entryId: uuidv7(),
      capturedAmount: o.captured,
      releasedAmount: o.released,
      streamVersion: o.version,
      availableAfter: o.availableAfter,
      capturedAt: new Date().toISOString(),
    },
    meta(),
  );
}

export function aHoldReleased(o: {
  accountId: string;
  holdId: string;
  amount: string;
  version: number;
  availableAfter: string;
}) {
  return createMessage(
    HoldReleased,
    {
      commandId: uuidv7(),
      holdId: o.holdId,
      transactionId: uuidv7(),
      accountId: o.accountId,
      currency: 'USD',
      amount: o.amount,
      reason: 'released',
      streamVersion: o.version,
      availableAfter: o.availableAfter,
      releasedAt: new Date().toISOString(),
    },
    meta(),
  );
}

export function aStatusChange(o: {
  accountId: string;
  from: 'active' | 'suspended';
  to: 'active' | 'suspended';
  version: number;
}) {
  return createMessage(
    AccountStatusChanged,
    {
      commandId: uuidv7(),
      accountId: o.accountId,
      previousStatus: o.from,
      status: o.to,
      reason: 'test',
      streamVersion: o.version,
      changedAt: new Date().toISOString(),
    },
    meta(),
  );
}

export function aLimitsChange(o: {
  accountId: string;
  minBalance: string | null;
  maxBalance: string | null;
  version: number;
}) {
  return createMessage(
    AccountLimitsChanged,
    {
      commandId: uuidv7(),
      accountId: o.accountId,
      minBalance: o.minBalance,
      maxBalance: o.maxBalance,
      streamVersion: o.version,
      changedAt: new Date().toISOString(),
    },
    meta(),
  );
}

export function aSummary(o: Partial<TransactionSummary> = {}): TransactionSummary {
  const now = new Date().toISOString();
  return {
    transactionId: uuidv7(),
    type: 'topup',
    status: 'pending',
    amount: '10.00',
    currency: 'USD',
    sourceAccountId: uuidv7(),
    destinationAccountId: uuidv7(),
    idempotencyKey: `key-${Math.random().toString(36).slice(2, 12)}`,
    reason: null,
    originalTransactionId: null,
    details: {},
    createdAt: now,
    updatedAt: now,
    ...o,
  };
}

export function aTransactionEvent(
  status: 'pending' | 'completed' | 'failed' | 'needs_attention',
  summary: TransactionSummary,
) {
  const data = { ...summary, status };
  if (status === 'pending') return createMessage(TransactionAccepted, data, meta());
  if (status === 'completed') return createMessage(TransactionCompleted, data, meta());
  if (status === 'needs_attention')
    return createMessage(
      TransactionNeedsAttention,
      {
        ...data,
        reason: { code: 'SAGA.CAPTURE_FAILED', detail: 'the provider paid; the capture was refused' },
      },
      meta(),
    );
  return createMessage(
    TransactionFailed,
    { ...data, reason: { code: 'ACCOUNT.NOT_FOUND', detail: 'gone' } },
    meta(),
  );
}

/** Stream items for the pure tests. */
export function anOpenedItem(
  o: Partial<Extract<AccountStreamItem, { kind: 'opened' }>> = {},
): AccountStreamItem {
  return {
    kind: 'opened',
    slot: 0,
    accountId: '0192f0a0-0000-7000-8000-0000000000a1',
    version: 1,
    at: '2026-01-01T00:00:00.000Z',
    ownerId: 'alice',
    ownerType: 'user',
    type: 'USER',
    currency: 'USD',
    status: 'active',
    balance: '0.00',
    metadata: {},
    ...o,
  };
}

export function aPostedItem(
  o: Partial<Extract<AccountStreamItem, { kind: 'posted' }>> & { version: number },
): AccountStreamItem {
  return {
    kind: 'posted',
    slot: 0,
    accountId: '0192f0a0-0000-7000-8000-0000000000a1',
    at: '2026-01-01T00:01:00.000Z',
    entryId: '0192f0a0-0000-7000-8000-0000000000e1',
    transactionId: '0192f0a0-0000-7000-8000-0000000000f1',
    transactionType: 'topup',
    step: 'post',
    currency: 'USD',
    side: 'credit',
    amount: '10.00',
    balanceAfter: '10.00',
    reversesEntryId: null,
    ...o,
  };
}

/** One provider attempt of a transaction's saga: accepted with a reference unless told otherwise. */
export function aProviderStep(
  transactionId: string,
  o: Partial<TransactionProviderStepRecordedMessage['data']> = {},
) {
  return createMessage(
    TransactionProviderStepRecorded,
    {
      transactionId,
      provider: 'cardpay',
      operation: 'collect',
      attempt: 1,
      outcome: 'accepted',
      code: null,
      detail: null,
      providerReference: `col_${transactionId.slice(-8)}`,
      at: new Date().toISOString(),
      ...o,
    },
    { ...meta(), actor: { kind: 'system', id: 'saga-orchestrator' } },
  );
}
