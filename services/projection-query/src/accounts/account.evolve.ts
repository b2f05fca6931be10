import type { AccountStatus, AccountType } from '@billing/contracts/messages/accounts';
import { decimalPlaces, formatDecimal } from '@billing/contracts/money';
import type { AccountStreamItem } from './account-stream';

/** The account view as the fold of its stream up to `version`. Amounts are decimals at `scale`. */
export interface AccountState {
  id: string;
  ownerId: string;
  ownerType: string;
  type: AccountType;
  currency: string;
  scale: number;
  status: AccountStatus;
  balance: string;
  minBalance: string | null;
  maxBalance: string | null;
  metadata: Record<string, string>;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface HistoryLine {
  accountId: string;
  version: number;
  entryId: string;
  transactionId: string;
  transactionType: string;
  step: string;
  side: 'debit' | 'credit';
  amount: string;
  balanceAfter: string;
  reversesEntryId: string | null;
  postedAt: string;
}

/** What applying an item writes besides the account row itself. */
export type AccountEffect =
  | { kind: 'history'; line: HistoryLine }
  | { kind: 'posting-total'; currency: string; scale: number; side: 'debit' | 'credit'; amount: string }
  | {
      kind: 'hold-opened';
      holdId: string;
      accountId: string;
      transactionId: string;
      amount: string;
      expiresAt: string;
      placedAt: string;
    }
  // Closing is idempotent where it is written (only an open hold closes), so a repeated HoldCaptured,
  // which carries no version of its own, cannot close a hold twice.
  | {
      kind: 'hold-closed';
      holdId: string;
      status: 'captured' | 'released' | 'expired';
      capturedAmount: string | null;
      closedAt: string;
    };

export interface Evolution {
  state: AccountState;
  effects: AccountEffect[];
}

/**
 * Applies one item of the account's stream. The caller has put items in order (stream-order.ts), so
 * every item but the opening finds an opened account, and each version follows the one before.
 */
export function evolveAccount(state: AccountState | null, item: AccountStreamItem): Evolution {
  if (item.kind === 'opened') return { state: state ?? openedAccount(item), effects: [] };
  if (state === null)
    throw new Error(`${item.kind} at version ${item.version} of ${item.accountId} before it was opened`);
  const next = (changes: Partial<AccountState>): AccountState => ({
    ...state,
    ...changes,
    version: item.version,
    updatedAt: item.at,
  });
  switch (item.kind) {
    case 'posted': {
      const amount = formatDecimal(item.amount, state.scale);
      const balanceAfter = formatDecimal(item.balanceAfter, state.scale);
      return {
        state: next({ balance: balanceAfter }),
        effects: [
          {
            kind: 'history',
            line: {
              accountId: state.id,
              version: item.version,
              entryId: item.entryId,
              transactionId: item.transactionId,
              transactionType: item.transactionType,
              step: item.step,
              side: item.side,
              amount,
              balanceAfter,
              reversesEntryId: item.reversesEntryId,
              postedAt: item.at,
            },
          },
          { kind: 'posting-total', currency: item.currency, scale: state.scale, side: item.side, amount },
        ],
      };
    }
    case 'hold-placed':
      return {
        state: next({}),
        effects: [
          {
            kind: 'hold-opened',
            holdId: item.holdId,
            accountId: state.id,
            transactionId: item.transactionId,
            amount: formatDecimal(item.amount, state.scale),
            expiresAt: item.expiresAt,
            placedAt: item.at,
          },
        ],
      };
    case 'hold-released':
      return {
        state: next({}),
        effects: [
          {
            kind: 'hold-closed',
            holdId: item.holdId,
            status: item.reason,
            capturedAmount: null,
            closedAt: item.at,
          },
        ],
      };
    case 'hold-captured':
      // A supplement of the capture posting's version: the version and balance came with the posting.
      return {
        state,
        effects: [
          {
            kind: 'hold-closed',
            holdId: item.holdId,
            status: 'captured',
            capturedAmount: formatDecimal(item.capturedAmount, state.scale),
            closedAt: item.at,
          },
        ],
      };
    case 'status-changed':
      return { state: next({ status: item.status }), effects: [] };
    case 'limits-changed':
      return { state: next({ minBalance: item.minBalance, maxBalance: item.maxBalance }), effects: [] };
    default: {
      const unreachable: never = item;
      throw new Error(`unhandled stream item ${JSON.stringify(unreachable)}`);
    }
  }
}

function openedAccount(item: Extract<AccountStreamItem, { kind: 'opened' }>): AccountState {
  // The ledger writes amounts at the currency's scale, so the opening balance tells the scale.
  const scale = decimalPlaces(item.balance);
  return {
    id: item.accountId,
    ownerId: item.ownerId,
    ownerType: item.ownerType,
    type: item.type,
    currency: item.currency,
    scale,
    status: item.status,
    balance: item.balance,
    // The ledger's default limits (docs/ledger.md, rule 5): USER accounts may not go below zero; the
    // others are unbounded. AccountLimitsChanged replaces them.
    minBalance: item.type === 'USER' ? formatDecimal('0', scale) : null,
    maxBalance: null,
    metadata: item.metadata,
    version: item.version,
    createdAt: item.at,
    updatedAt: item.at,
  };
}
