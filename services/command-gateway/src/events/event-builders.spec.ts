import { createMessage } from '@billing/contracts/catalog';
import { SYSTEM_ACTOR } from '@billing/contracts/envelope';
import { HybridLogicalClock } from '@billing/contracts/hlc';
import { EntryPosted } from '@billing/contracts/messages/ledger';
import type { AccountView, TransactionDetails } from '@billing/contracts/messages/queries';
import {
  TransactionAccepted,
  TransactionCompleted,
  type TransactionSummary,
} from '@billing/contracts/messages/transactions';
import { uuidv7 } from '@billing/contracts/uuid';

/**
 * Builders of the events and read-side answers the gateway's event tests need. A `.spec.ts` file, so the
 * build leaves it out of dist and no vitest project runs it on its own.
 */

const hlc = new HybridLogicalClock('gateway-test');
const meta = () => ({ actor: SYSTEM_ACTOR, hlc: hlc.now(), causedBy: null, nowMs: Date.now() });
const NOW = () => new Date().toISOString();

export interface TransferIds {
  transactionId: string;
  sourceAccountId: string;
  destinationAccountId: string;
}

export function aTransferSummary(
  ids: TransferIds,
  overrides: Partial<TransactionSummary> = {},
): TransactionSummary {
  return {
    ...ids,
    type: 'transfer',
    status: 'pending',
    amount: '25.00',
    currency: 'USD',
    idempotencyKey: `transfer-${ids.transactionId.slice(-12)}`,
    reason: null,
    originalTransactionId: null,
    details: {},
    createdAt: NOW(),
    updatedAt: NOW(),
    ...overrides,
  };
}

/** The three events of a completed transfer, in the order the saga and ledger publish them. */
export function aCompletedTransfer(ids: TransferIds) {
  const summary = aTransferSummary(ids);
  return {
    accepted: createMessage(TransactionAccepted, summary, meta()),
    posted: createMessage(
      EntryPosted,
      {
        entryId: uuidv7(),
        commandId: uuidv7(),
        transactionId: ids.transactionId,
        transactionType: 'transfer',
        step: 'post',
        currency: 'USD',
        postings: [
          {
            accountId: ids.sourceAccountId,
            side: 'debit',
            amount: '25.00',
            balanceAfter: '75.00',
            streamVersion: 3,
          },
          {
            accountId: ids.destinationAccountId,
            side: 'credit',
            amount: '25.00',
            balanceAfter: '125.00',
            streamVersion: 5,
          },
        ],
        postedAt: NOW(),
      },
      meta(),
    ),
    completed: createMessage(TransactionCompleted, { ...summary, status: 'completed' }, meta()),
  };
}

export function anAccountView(id: string, ownerId: string): AccountView {
  return {
    id,
    ownerId,
    ownerType: 'user',
    type: 'USER',
    currency: 'USD',
    status: 'active',
    balance: '100.00',
    availableBalance: '100.00',
    heldAmount: '0.00',
    openHoldCount: 0,
    openHolds: [],
    limits: { minBalance: '0.00', maxBalance: null },
    metadata: {},
    version: 1,
    createdAt: NOW(),
    updatedAt: NOW(),
  };
}

export function aTransactionDetails(ids: TransferIds): TransactionDetails {
  return {
    ...aTransferSummary(ids),
    investigation: null,
    finishedAt: null,
    refunds: [],
    refundedAmount: null,
    refundableAmount: null,
  };
}
