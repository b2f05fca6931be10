import { describe, expect, it } from 'vitest';
import { admin, aUserAccount, owner } from '../../test/builders';
import { decideAddCurrency, decideChangeStatus, decideSetLimits } from './account-admin.decide';

describe('decideChangeStatus', () => {
  it('suspends and reactivates an account, one version each', () => {
    const account = aUserAccount();
    const suspended = decideChangeStatus(account, account.id, 'suspended', admin);
    expect(suspended).toMatchObject({
      kind: 'changed',
      previous: 'active',
      account: { status: 'suspended', version: 2 },
    });
  });

  it('answers a change to the current status without a new version', () => {
    const account = aUserAccount();
    expect(decideChangeStatus(account, account.id, 'active', admin)).toMatchObject({
      kind: 'unchanged',
      account: { version: 1 },
    });
  });

  it('closes only an empty account without open holds', () => {
    expect(decideChangeStatus(aUserAccount({ balanceMinor: 1n }), 'a', 'closed', admin)).toMatchObject({
      code: 'ACCOUNT.NOT_EMPTY',
    });
    expect(decideChangeStatus(aUserAccount({ heldMinor: 1n }), 'a', 'closed', admin)).toMatchObject({
      code: 'ACCOUNT.NOT_EMPTY',
    });
    expect(decideChangeStatus(aUserAccount(), 'a', 'closed', admin).kind).toBe('changed');
  });

  it('treats closed as final', () => {
    expect(decideChangeStatus(aUserAccount({ status: 'closed' }), 'a', 'active', admin)).toMatchObject({
      code: 'ACCOUNT.INACTIVE',
    });
  });

  it('lets only admins change a status', () => {
    const account = aUserAccount({ ownerId: 'alice' });
    expect(decideChangeStatus(account, account.id, 'suspended', owner('alice'))).toMatchObject({
      code: 'AUTH.FORBIDDEN',
    });
  });
});

describe('decideSetLimits', () => {
  it('sets an overdraft (negative minimum) and a maximum', () => {
    const account = aUserAccount({ balanceMinor: 1000n });
    expect(decideSetLimits(account, account.id, '-50.00', '1000.00', admin, 2)).toMatchObject({
      kind: 'changed',
      account: { minBalanceMinor: -5000n, maxBalanceMinor: 100000n, version: 2 },
    });
  });

  it('refuses limits the current balance already breaks, a minimum above the maximum, and too many decimals', () => {
    const account = aUserAccount({ balanceMinor: 1000n });
    expect(decideSetLimits(account, account.id, '20.00', null, admin, 2)).toMatchObject({
      code: 'ACCOUNT.LIMIT_EXCEEDED',
    });
    expect(decideSetLimits(account, account.id, null, '5.00', admin, 2)).toMatchObject({
      code: 'ACCOUNT.LIMIT_EXCEEDED',
    });
    expect(decideSetLimits(account, account.id, '5.00', '1.00', admin, 2)).toMatchObject({
      code: 'AMOUNT.INVALID',
    });
    expect(decideSetLimits(account, account.id, '-5.001', null, admin, 2)).toMatchObject({
      code: 'AMOUNT.INVALID',
    });
  });

  it('lifts a limit with null', () => {
    const account = aUserAccount();
    expect(decideSetLimits(account, account.id, null, null, admin, 2)).toMatchObject({
      account: { minBalanceMinor: null },
    });
  });
});

describe('decideAddCurrency', () => {
  const chf = { code: 'CHF', scale: 2, kind: 'fiat' as const };

  it('adds a new currency, answers the same one again, and refuses a different definition of a known code', () => {
    expect(decideAddCurrency(chf, undefined, admin)).toMatchObject({ kind: 'added' });
    expect(decideAddCurrency(chf, chf, admin)).toMatchObject({ kind: 'unchanged' });
    expect(decideAddCurrency(chf, { ...chf, scale: 3 }, admin)).toMatchObject({
      code: 'CURRENCY.ALREADY_EXISTS',
    });
  });

  it('lets only admins add currencies', () => {
    expect(decideAddCurrency(chf, undefined, owner('alice'))).toMatchObject({ code: 'AUTH.FORBIDDEN' });
  });
});
