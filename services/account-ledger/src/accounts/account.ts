import type { CurrencyDefinition } from '@billing/contracts/money';
import type { AccountStatus, AccountType } from '@billing/contracts/messages/accounts';

/**
 * An account as the ledger's decisions see it: balances in minor units of its currency, limits as
 * bounds on the balance. A null bound means unbounded (EXTERNAL and SYSTEM accounts may run negative).
 */
export interface Account {
  id: string;
  ownerId: string;
  ownerType: string;
  type: AccountType;
  currency: string;
  status: AccountStatus;
  balanceMinor: bigint;
  /** Sum of the account's open holds; available = balance - held. */
  heldMinor: bigint;
  minBalanceMinor: bigint | null;
  maxBalanceMinor: bigint | null;
  metadata: Record<string, string>;
  version: number;
  createdAt: string;
}

export type CurrencyCatalog = ReadonlyMap<string, CurrencyDefinition>;

/** USER accounts may not go below zero unless an overdraft is configured; the others are unbounded. */
export function defaultMinBalance(type: AccountType): bigint | null {
  return type === 'USER' ? 0n : null;
}

export function availableMinor(account: Account): bigint {
  return account.balanceMinor - account.heldMinor;
}

/** The room left above the minimum balance: what a debit or a new hold may take at most. */
export function headroomMinor(account: Account): bigint | null {
  return account.minBalanceMinor === null ? null : availableMinor(account) - account.minBalanceMinor;
}
