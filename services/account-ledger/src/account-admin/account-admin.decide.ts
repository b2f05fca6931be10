import type { Actor } from '@billing/contracts/envelope';
import type { AccountStatus } from '@billing/contracts/messages/accounts';
import { parseAmount, type CurrencyDefinition } from '@billing/contracts/money';
import type { Account } from '../accounts/account';
import { reject, type Rejection } from '../shared/rejection';

export type StatusDecision =
  { kind: 'changed' | 'unchanged'; account: Account; previous: AccountStatus } | Rejection;

/**
 * Status changes are an admin's. Closed is final; closing needs a zero balance and no open holds, so no
 * money is ever stranded in an account nobody can use.
 */
export function decideChangeStatus(
  account: Account | undefined,
  accountId: string,
  status: AccountStatus,
  actor: Actor,
): StatusDecision {
  if (actor.kind === 'owner')
    return reject('AUTH.FORBIDDEN', 'only an admin may change an account status', accountId);
  if (!account) return reject('ACCOUNT.NOT_FOUND', `account ${accountId} does not exist`, accountId);
  if (account.status === status) return { kind: 'unchanged', account, previous: status };
  if (account.status === 'closed')
    return reject('ACCOUNT.INACTIVE', `account ${accountId} is closed, which is final`, accountId);
  if (status === 'closed' && (account.balanceMinor !== 0n || account.heldMinor !== 0n)) {
    return reject(
      'ACCOUNT.NOT_EMPTY',
      `account ${accountId} needs a zero balance and no open holds to close`,
      accountId,
    );
  }
  return {
    kind: 'changed',
    account: { ...account, status, version: account.version + 1 },
    previous: account.status,
  };
}

/** A signed limit in minor units (zero allowed), or undefined when it is not one at the currency's scale. */
function parseLimit(value: string, scale: number): bigint | undefined {
  const parsed = parseAmount(value, scale, { signed: true, zero: true });
  return parsed.ok ? parsed.minor : undefined;
}

export type LimitsDecision = { kind: 'changed'; account: Account } | Rejection;

/**
 * Sets the bounds on an account's balance. The account must satisfy the new bounds already: a limit
 * that the current balance breaks would make every later movement fail in a confusing way.
 */
export function decideSetLimits(
  account: Account | undefined,
  accountId: string,
  minBalance: string | null,
  maxBalance: string | null,
  actor: Actor,
  scale: number,
): LimitsDecision {
  if (actor.kind === 'owner')
    return reject('AUTH.FORBIDDEN', 'only an admin may change account limits', accountId);
  if (!account) return reject('ACCOUNT.NOT_FOUND', `account ${accountId} does not exist`, accountId);
  if (account.status === 'closed')
    return reject('ACCOUNT.INACTIVE', `account ${accountId} is closed`, accountId);
  const min = minBalance === null ? null : parseLimit(minBalance, scale);
  const max = maxBalance === null ? null : parseLimit(maxBalance, scale);
  if (min === undefined || max === undefined)
    return reject('AMOUNT.INVALID', `limits may have at most ${scale} decimals`, accountId);
  if (min !== null && max !== null && min > max)
    return reject('AMOUNT.INVALID', 'minBalance is above maxBalance', accountId);
  const available = account.balanceMinor - account.heldMinor;
  if ((min !== null && available < min) || (max !== null && account.balanceMinor > max)) {
    return reject(
      'ACCOUNT.LIMIT_EXCEEDED',
      `the current balance of ${accountId} is outside the new limits`,
      accountId,
    );
  }
  return {
    kind: 'changed',
    account: { ...account, minBalanceMinor: min, maxBalanceMinor: max, version: account.version + 1 },
  };
}

export type CurrencyDecision = { kind: 'added' | 'unchanged'; currency: CurrencyDefinition } | Rejection;

export function decideAddCurrency(
  wanted: CurrencyDefinition,
  existing: CurrencyDefinition | undefined,
  actor: Actor,
): CurrencyDecision {
  if (actor.kind === 'owner') return reject('AUTH.FORBIDDEN', 'only an admin may add a currency');
  if (existing) {
    return existing.scale === wanted.scale && existing.kind === wanted.kind
      ? { kind: 'unchanged', currency: existing }
      : reject(
          'CURRENCY.ALREADY_EXISTS',
          `currency ${wanted.code} exists with scale ${existing.scale} (${existing.kind})`,
        );
  }
  return { kind: 'added', currency: wanted };
}
