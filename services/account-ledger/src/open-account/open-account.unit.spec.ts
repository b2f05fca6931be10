import { describe, expect, it } from 'vitest';
import { admin, aUserAccount, currencies, owner } from '../../test/builders';
import { decideOpenAccount, type OpenAccountCommand } from './open-account.decide';

const NOW = '2026-01-01T00:00:00.000Z';

function anOpenAccount(overrides: Partial<OpenAccountCommand> = {}): OpenAccountCommand {
  return {
    accountId: '00000000-0000-7000-8000-00000000aaaa',
    ownerId: 'alice',
    ownerType: 'user',
    type: 'USER',
    currency: 'USD',
    metadata: {},
    actor: admin,
    ...overrides,
  };
}

describe('decideOpenAccount', () => {
  it('opens an active USER account with a zero balance and a zero minimum balance', () => {
    const decision = decideOpenAccount(anOpenAccount(), null, currencies, NOW);
    expect(decision).toMatchObject({
      kind: 'opened',
      account: { status: 'active', balanceMinor: 0n, minBalanceMinor: 0n, version: 1, createdAt: NOW },
    });
  });

  it('opens EXTERNAL accounts without a minimum balance so they can carry the other side', () => {
    const decision = decideOpenAccount(
      anOpenAccount({ type: 'EXTERNAL', ownerId: 'bank' }),
      null,
      currencies,
      NOW,
    );
    expect(decision).toMatchObject({ kind: 'opened', account: { minBalanceMinor: null } });
  });

  it('answers a replay of the same request with the existing account', () => {
    const existing = aUserAccount({ id: anOpenAccount().accountId, balanceMinor: 500n });
    expect(decideOpenAccount(anOpenAccount(), existing, currencies, NOW)).toEqual({
      kind: 'already-open',
      account: existing,
    });
  });

  it('refuses a different request for an id already taken', () => {
    const existing = aUserAccount({ id: anOpenAccount().accountId, currency: 'EUR' });
    expect(decideOpenAccount(anOpenAccount(), existing, currencies, NOW)).toMatchObject({
      kind: 'rejected',
      code: 'ACCOUNT.ALREADY_EXISTS',
    });
  });

  it('refuses an unknown currency', () => {
    expect(decideOpenAccount(anOpenAccount({ currency: 'XYZ' }), null, currencies, NOW)).toMatchObject({
      kind: 'rejected',
      code: 'CURRENCY.UNKNOWN',
    });
  });

  it('lets an owner open a USER account for itself only', () => {
    expect(decideOpenAccount(anOpenAccount({ actor: owner('alice') }), null, currencies, NOW).kind).toBe(
      'opened',
    );
    expect(decideOpenAccount(anOpenAccount({ actor: owner('bob') }), null, currencies, NOW)).toMatchObject({
      code: 'AUTH.FORBIDDEN',
    });
    expect(
      decideOpenAccount(anOpenAccount({ actor: owner('alice'), type: 'EXTERNAL' }), null, currencies, NOW),
    ).toMatchObject({ code: 'AUTH.FORBIDDEN' });
  });
});
