import { describe, expect, it } from 'vitest';
import type { Actor } from '@billing/contracts/envelope';
import {
  aFundingAccount,
  aUserAccount,
  admin,
  anExternalAccount,
  byId,
  currencies,
  owner,
} from '../../test/builders';
import { decidePostEntry, type PostEntryCommand } from './post-entry.decide';

function topUp(
  from: string,
  to: string,
  amount: string,
  overrides: Partial<PostEntryCommand> = {},
): PostEntryCommand {
  return {
    transactionType: 'topup',
    currency: 'USD',
    actor: admin,
    postings: [
      { accountId: from, side: 'debit', amount },
      { accountId: to, side: 'credit', amount },
    ],
    ...overrides,
  };
}

function transfer(from: string, to: string, amount: string, actor: Actor): PostEntryCommand {
  return {
    transactionType: 'transfer',
    currency: 'USD',
    actor,
    postings: [
      { accountId: from, side: 'debit', amount },
      { accountId: to, side: 'credit', amount },
    ],
  };
}

/** The one refusal an owner gets about an account it does not own, whatever is wrong with it. */
function unavailableFor(accountId: string, type: string) {
  return {
    kind: 'rejected',
    code: 'ACCOUNT.UNAVAILABLE',
    detail: `account ${accountId} cannot take part in this ${type}`,
    accountId,
    context: {},
  };
}

describe('decidePostEntry', () => {
  it('given an external and a user account, when topping up 100.00, then the external goes to -100.00 and the user to 100.00', () => {
    const ext = anExternalAccount();
    const user = aUserAccount();
    const decision = decidePostEntry(topUp(ext.id, user.id, '100.00'), byId(ext, user), currencies);
    expect(decision.kind).toBe('posted');
    if (decision.kind !== 'posted') return;
    expect(decision.postings.map((p) => [p.accountId, p.balanceAfterMinor, p.streamVersion])).toEqual([
      [ext.id, -10000n, 2],
      [user.id, 10000n, 2],
    ]);
  });

  it('refuses an entry whose debits and credits differ', () => {
    const ext = anExternalAccount();
    const user = aUserAccount();
    const command = topUp(ext.id, user.id, '100.00');
    command.postings = [command.postings[0]!, { ...command.postings[1]!, amount: '99.99' }];
    expect(decidePostEntry(command, byId(ext, user), currencies)).toMatchObject({
      kind: 'rejected',
      code: 'ENTRY.UNBALANCED',
    });
  });

  it('refuses more decimals than the currency allows instead of rounding', () => {
    const ext = anExternalAccount();
    const user = aUserAccount();
    expect(decidePostEntry(topUp(ext.id, user.id, '1.001'), byId(ext, user), currencies)).toMatchObject({
      kind: 'rejected',
      code: 'AMOUNT.INVALID',
    });
  });

  it('refuses an unknown account', () => {
    const ext = anExternalAccount();
    expect(
      decidePostEntry(topUp(ext.id, '00000000-0000-7000-8000-999999999999', '1.00'), byId(ext), currencies),
    ).toMatchObject({
      kind: 'rejected',
      code: 'ACCOUNT.NOT_FOUND',
    });
  });

  it('refuses an unknown currency', () => {
    const ext = anExternalAccount();
    const user = aUserAccount();
    expect(
      decidePostEntry(topUp(ext.id, user.id, '1.00', { currency: 'XXX' }), byId(ext, user), currencies),
    ).toMatchObject({
      kind: 'rejected',
      code: 'CURRENCY.UNKNOWN',
    });
  });

  it('refuses an account in another currency', () => {
    const ext = anExternalAccount();
    const user = aUserAccount({ currency: 'EUR' });
    expect(decidePostEntry(topUp(ext.id, user.id, '1.00'), byId(ext, user), currencies)).toMatchObject({
      kind: 'rejected',
      code: 'CURRENCY.MISMATCH',
      accountId: user.id,
    });
  });

  it('refuses a suspended account', () => {
    const ext = anExternalAccount();
    const user = aUserAccount({ status: 'suspended' });
    expect(decidePostEntry(topUp(ext.id, user.id, '1.00'), byId(ext, user), currencies)).toMatchObject({
      kind: 'rejected',
      code: 'ACCOUNT.INACTIVE',
    });
  });

  it('refuses a top-up funded from a USER account', () => {
    const payer = aUserAccount({ balanceMinor: 10000n });
    const user = aUserAccount();
    expect(decidePostEntry(topUp(payer.id, user.id, '1.00'), byId(payer, user), currencies)).toMatchObject({
      kind: 'rejected',
      code: 'ACCOUNT.TYPE_NOT_ALLOWED',
    });
  });

  it('refuses a transfer that would take a USER account below zero, reporting available and requested', () => {
    const from = aUserAccount({ balanceMinor: 5000n });
    const to = aUserAccount({ ownerId: 'bob' });
    const command: PostEntryCommand = {
      transactionType: 'transfer',
      currency: 'USD',
      actor: owner('alice'),
      postings: [
        { accountId: from.id, side: 'debit', amount: '50.01' },
        { accountId: to.id, side: 'credit', amount: '50.01' },
      ],
    };
    expect(decidePostEntry(command, byId(from, to), currencies)).toMatchObject({
      kind: 'rejected',
      code: 'ACCOUNT.INSUFFICIENT_FUNDS',
      context: { available: '50.00', requested: '50.01' },
    });
  });

  it('lets an overdraft (negative minimum balance) go below zero down to its limit', () => {
    const from = aUserAccount({ balanceMinor: 0n, minBalanceMinor: -2000n });
    const to = aUserAccount({ ownerId: 'bob' });
    const command: PostEntryCommand = {
      transactionType: 'transfer',
      currency: 'USD',
      actor: admin,
      postings: [
        { accountId: from.id, side: 'debit', amount: '20.00' },
        { accountId: to.id, side: 'credit', amount: '20.00' },
      ],
    };
    expect(decidePostEntry(command, byId(from, to), currencies).kind).toBe('posted');
  });

  it('refuses a credit above the maximum balance', () => {
    const ext = anExternalAccount();
    const user = aUserAccount({ maxBalanceMinor: 5000n });
    expect(decidePostEntry(topUp(ext.id, user.id, '50.01'), byId(ext, user), currencies)).toMatchObject({
      kind: 'rejected',
      code: 'ACCOUNT.LIMIT_EXCEEDED',
    });
  });

  it("refuses an owner debiting another owner's account, without saying whose or why", () => {
    const from = aUserAccount({ ownerId: 'bob', balanceMinor: 10000n });
    const to = aUserAccount({ ownerId: 'alice' });
    expect(
      decidePostEntry(transfer(from.id, to.id, '1.00', owner('alice')), byId(from, to), currencies),
    ).toEqual(unavailableFor(from.id, 'transfer'));
  });

  it("refuses an owner topping up someone else's account, and allows its own from the funding account", () => {
    const funding = aFundingAccount();
    const bobs = aUserAccount({ ownerId: 'bob' });
    const alices = aUserAccount({ ownerId: 'alice' });
    expect(
      decidePostEntry(
        topUp(funding.id, bobs.id, '1.00', { actor: owner('alice') }),
        byId(funding, bobs),
        currencies,
      ),
    ).toEqual(unavailableFor(bobs.id, 'topup'));
    expect(
      decidePostEntry(
        topUp(funding.id, alices.id, '1.00', { actor: owner('alice') }),
        byId(funding, alices),
        currencies,
      ).kind,
    ).toBe('posted');
  });

  it('handles 18-decimal amounts exactly', () => {
    const ext = anExternalAccount({ currency: 'ETH' });
    const user = aUserAccount({ currency: 'ETH' });
    const decision = decidePostEntry(
      topUp(ext.id, user.id, '0.000000000000000001', { currency: 'ETH' }),
      byId(ext, user),
      currencies,
    );
    expect(decision.kind === 'posted' && decision.postings[1]!.balanceAfterMinor).toBe(1n);
  });
});

describe('decidePostEntry, postings on one account', () => {
  it('refuses an entry that debits and credits the same account', () => {
    const user = aUserAccount();
    const command: PostEntryCommand = {
      transactionType: 'transfer',
      currency: 'USD',
      actor: admin,
      postings: [
        { accountId: user.id, side: 'debit', amount: '0.01' },
        { accountId: user.id, side: 'credit', amount: '0.01' },
      ],
    };
    expect(decidePostEntry(command, byId(user), currencies)).toMatchObject({
      kind: 'rejected',
      code: 'ENTRY.INVALID',
    });
  });
});

describe('decidePostEntry, top-ups by owners', () => {
  it("refuses an owner's top-up from an EXTERNAL account that is not the funding provider's", () => {
    const bank = anExternalAccount();
    const alices = aUserAccount({ ownerId: 'alice' });
    expect(
      decidePostEntry(
        topUp(bank.id, alices.id, '1.00', { actor: owner('alice') }),
        byId(bank, alices),
        currencies,
      ),
    ).toEqual(unavailableFor(bank.id, 'topup'));
  });

  it("keeps AUTH.FORBIDDEN for an owner's top-up from a non-funding EXTERNAL account it owns itself", () => {
    const own = anExternalAccount({ ownerId: 'alice' });
    const alices = aUserAccount({ ownerId: 'alice' });
    expect(
      decidePostEntry(
        topUp(own.id, alices.id, '1.00', { actor: owner('alice') }),
        byId(own, alices),
        currencies,
      ),
    ).toMatchObject({ code: 'AUTH.FORBIDDEN' });
  });

  it('lets an admin or the platform top up from any EXTERNAL account', () => {
    const bank = anExternalAccount();
    const bobs = aUserAccount({ ownerId: 'bob' });
    for (const actor of [admin, { kind: 'system', id: 'billing-platform' } as Actor]) {
      expect(
        decidePostEntry(topUp(bank.id, bobs.id, '1.00', { actor }), byId(bank, bobs), currencies).kind,
      ).toBe('posted');
    }
  });
});

describe('decidePostEntry, owners cannot probe accounts they do not own', () => {
  const alices = aUserAccount({ ownerId: 'alice', balanceMinor: 10000n });
  const missing = '00000000-0000-7000-8000-999999999999';
  const euros = aUserAccount({ ownerId: 'bob', currency: 'EUR' });
  const suspended = aUserAccount({ ownerId: 'bob', status: 'suspended' });
  const system = anExternalAccount({ type: 'SYSTEM', ownerId: 'platform' });
  const full = aUserAccount({ ownerId: 'bob', maxBalanceMinor: 50n });
  const accounts = byId(alices, euros, suspended, system, full);

  it('given a transfer to a missing, other-currency, suspended, wrong-type or full account, then all five refusals are identical but for the id', () => {
    for (const to of [missing, euros.id, suspended.id, system.id, full.id]) {
      expect(decidePostEntry(transfer(alices.id, to, '1.00', owner('alice')), accounts, currencies)).toEqual(
        unavailableFor(to, 'transfer'),
      );
    }
  });

  it('tells an admin the specific reason', () => {
    const codes = [missing, euros.id, suspended.id, system.id, full.id].map((to) => {
      const decision = decidePostEntry(transfer(alices.id, to, '1.00', admin), accounts, currencies);
      return decision.kind === 'rejected' ? decision.code : decision.kind;
    });
    expect(codes).toEqual([
      'ACCOUNT.NOT_FOUND',
      'CURRENCY.MISMATCH',
      'ACCOUNT.INACTIVE',
      'ACCOUNT.TYPE_NOT_ALLOWED',
      'ACCOUNT.LIMIT_EXCEEDED',
    ]);
  });

  it("keeps specific codes for the owner's own accounts", () => {
    const alicesEuros = aUserAccount({ ownerId: 'alice', currency: 'EUR' });
    const bobs = aUserAccount({ ownerId: 'bob' });
    const own = byId(alices, alicesEuros, bobs);
    expect(
      decidePostEntry(transfer(alices.id, bobs.id, '100.01', owner('alice')), own, currencies),
    ).toMatchObject({
      code: 'ACCOUNT.INSUFFICIENT_FUNDS',
      context: { available: '100.00', requested: '100.01' },
    });
    expect(
      decidePostEntry(transfer(alicesEuros.id, bobs.id, '1.00', owner('alice')), own, currencies),
    ).toMatchObject({
      code: 'CURRENCY.MISMATCH',
    });
  });
});
