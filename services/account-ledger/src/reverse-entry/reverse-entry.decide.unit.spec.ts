import { describe, expect, it } from 'vitest';
import { admin, aUserAccount, anExternalAccount, byId, owner } from '../../test/builders';
import { decideReverseEntry, type OriginalEntry } from './reverse-entry.decide';

function aTopUpEntry(
  from: string,
  to: string,
  amountMinor: bigint,
  overrides: Partial<OriginalEntry> = {},
): OriginalEntry {
  return {
    id: 'e1',
    currency: 'USD',
    transactionType: 'topup',
    reversedBy: null,
    postings: [
      { accountId: from, side: 'debit', amountMinor },
      { accountId: to, side: 'credit', amountMinor },
    ],
    ...overrides,
  };
}

describe('decideReverseEntry', () => {
  it('posts the mirror image: the credited account is debited and the debited one credited', () => {
    const bank = anExternalAccount({ balanceMinor: -10000n });
    const user = aUserAccount({ balanceMinor: 10000n });
    const decision = decideReverseEntry(
      aTopUpEntry(bank.id, user.id, 10000n),
      'e1',
      byId(bank, user),
      admin,
      2,
    );
    expect(decision).toMatchObject({ kind: 'posted' });
    if (decision.kind !== 'posted') return;
    expect(decision.postings.map((p) => [p.accountId, p.side, p.balanceAfterMinor])).toEqual([
      [bank.id, 'credit', 0n],
      [user.id, 'debit', 0n],
    ]);
  });

  it('refuses a reversal that would overdraw the account the money went to', () => {
    const bank = anExternalAccount({ balanceMinor: -10000n });
    const user = aUserAccount({ balanceMinor: 4000n });
    expect(
      decideReverseEntry(aTopUpEntry(bank.id, user.id, 10000n), 'e1', byId(bank, user), admin, 2),
    ).toMatchObject({
      code: 'ACCOUNT.INSUFFICIENT_FUNDS',
    });
  });

  it('refuses an unknown entry, a second reversal, and an owner reversing', () => {
    const bank = anExternalAccount();
    const user = aUserAccount({ balanceMinor: 10000n });
    expect(decideReverseEntry(undefined, 'e9', byId(bank, user), admin, 2)).toMatchObject({
      code: 'ENTRY.NOT_FOUND',
    });
    expect(
      decideReverseEntry(
        aTopUpEntry(bank.id, user.id, 1n, { reversedBy: 'e2' }),
        'e1',
        byId(bank, user),
        admin,
        2,
      ),
    ).toMatchObject({
      code: 'ENTRY.ALREADY_REVERSED',
    });
    expect(
      decideReverseEntry(aTopUpEntry(bank.id, user.id, 1n), 'e1', byId(bank, user), owner('alice'), 2),
    ).toMatchObject({
      code: 'AUTH.FORBIDDEN',
    });
  });
});
