import { SEEDED_CURRENCIES } from '@billing/contracts/money';
import type { Actor } from '@billing/contracts/envelope';
import { FUNDING_ROLE } from '@billing/contracts/policy';
import type { Account, CurrencyCatalog } from '../src/accounts/account';

export const currencies: CurrencyCatalog = new Map(SEEDED_CURRENCIES.map((c) => [c.code, c]));
export const admin: Actor = { kind: 'admin', id: 'admin-1' };
export const owner = (id: string): Actor => ({ kind: 'owner', id });

let seq = 0;
function nextId(): string {
  seq += 1;
  return `00000000-0000-7000-8000-${String(seq).padStart(12, '0')}`;
}

export function aUserAccount(overrides: Partial<Account> = {}): Account {
  return {
    id: nextId(),
    ownerId: 'alice',
    ownerType: 'user',
    type: 'USER',
    currency: 'USD',
    status: 'active',
    balanceMinor: 0n,
    heldMinor: 0n,
    minBalanceMinor: 0n,
    maxBalanceMinor: null,
    metadata: {},
    version: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

export function anExternalAccount(overrides: Partial<Account> = {}): Account {
  return aUserAccount({
    ownerId: 'bank',
    ownerType: 'bank',
    type: 'EXTERNAL',
    minBalanceMinor: null,
    ...overrides,
  });
}

/** The funding provider's EXTERNAL account: the only one an owner's top-up may debit. */
export function aFundingAccount(overrides: Partial<Account> = {}): Account {
  return anExternalAccount({
    ownerId: 'funding-provider',
    ownerType: 'provider',
    metadata: { role: FUNDING_ROLE },
    ...overrides,
  });
}

export function byId(...accounts: Account[]): Map<string, Account> {
  return new Map(accounts.map((a) => [a.id, a]));
}
