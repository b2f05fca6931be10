import type { Actor } from '@billing/contracts/envelope';
import { describe, expect, it } from 'vitest';
import type { Account } from '../accounts/account';
import {
  aFundingAccount,
  aUserAccount,
  admin,
  anExternalAccount,
  byId,
  currencies,
  owner,
} from '../../test/builders';
import type { Hold } from './hold';
import { decideCaptureHold, decidePlaceHold, decideReleaseHold, type PlaceHoldCommand } from './holds.decide';

const NOW = Date.parse('2026-01-01T00:00:00.000Z');
const IN_AN_HOUR = '2026-01-01T01:00:00.000Z';

function aPlaceHold(accountId: string, overrides: Partial<PlaceHoldCommand> = {}): PlaceHoldCommand {
  return {
    holdId: '00000000-0000-7000-8000-0000000000a1',
    transactionId: '00000000-0000-7000-8000-0000000000b1',
    transactionType: 'withdrawal',
    accountId,
    amount: '30.00',
    currency: 'USD',
    expiresAt: IN_AN_HOUR,
    creditAccountId: null,
    actor: admin,
    ...overrides,
  };
}

/** The one refusal an owner gets about an account it does not own, whatever is wrong with it. */
function unavailableFor(accountId: string, type = 'withdrawal') {
  return {
    kind: 'rejected',
    code: 'ACCOUNT.UNAVAILABLE',
    detail: `account ${accountId} cannot take part in this ${type}`,
    accountId,
    context: {},
  };
}

function anOpenHold(accountId: string, overrides: Partial<Hold> = {}): Hold {
  return {
    id: '00000000-0000-7000-8000-0000000000a1',
    accountId,
    transactionId: '00000000-0000-7000-8000-0000000000b1',
    transactionType: 'withdrawal',
    currency: 'USD',
    amountMinor: 3000n,
    status: 'open',
    expiresAt: IN_AN_HOUR,
    capturedMinor: 0n,
    entryId: null,
    creditAccountId: null,
    captureRequestedAt: null,
    ...overrides,
  };
}

describe('decidePlaceHold', () => {
  it('given 100.00, when holding 30.00, then the balance stays and available drops to 70.00', () => {
    const account = aUserAccount({ balanceMinor: 10000n });
    const decision = decidePlaceHold(aPlaceHold(account.id), byId(account), undefined, currencies, NOW);
    expect(decision).toMatchObject({
      kind: 'placed',
      account: { balanceMinor: 10000n, heldMinor: 3000n, version: 2 },
    });
  });

  it('refuses a hold larger than the available balance, reporting available and requested', () => {
    const account = aUserAccount({ balanceMinor: 10000n, heldMinor: 8000n });
    expect(decidePlaceHold(aPlaceHold(account.id), byId(account), undefined, currencies, NOW)).toMatchObject({
      kind: 'rejected',
      code: 'ACCOUNT.INSUFFICIENT_FUNDS',
      context: { available: '20.00', requested: '30.00' },
    });
  });

  it('refuses an expiry in the past and one beyond the maximum lifetime', () => {
    const account = aUserAccount({ balanceMinor: 10000n });
    expect(
      decidePlaceHold(
        aPlaceHold(account.id, { expiresAt: '2025-12-31T23:59:59.000Z' }),
        byId(account),
        undefined,
        currencies,
        NOW,
      ),
    ).toMatchObject({
      code: 'HOLD.EXPIRED',
    });
    expect(
      decidePlaceHold(
        aPlaceHold(account.id, { expiresAt: '2026-02-01T00:00:00.000Z' }),
        byId(account),
        undefined,
        currencies,
        NOW,
      ),
    ).toMatchObject({
      code: 'AMOUNT.INVALID',
    });
  });

  it("refuses an owner holding funds on someone else's account, without saying more about it", () => {
    const account = aUserAccount({ balanceMinor: 10000n, ownerId: 'bob' });
    expect(
      decidePlaceHold(
        aPlaceHold(account.id, { actor: owner('alice') }),
        byId(account),
        undefined,
        currencies,
        NOW,
      ),
    ).toEqual(unavailableFor(account.id));
  });

  it('answers a repeated hold id with the existing hold (idempotent)', () => {
    const account = aUserAccount({ balanceMinor: 10000n, heldMinor: 3000n });
    const hold = anOpenHold(account.id);
    expect(decidePlaceHold(aPlaceHold(account.id), byId(account), hold, currencies, NOW)).toMatchObject({
      kind: 'already-placed',
      hold,
    });
  });

  it('refuses a hold on a suspended account or in another currency', () => {
    expect(
      decidePlaceHold(
        aPlaceHold('x'),
        byId(aUserAccount({ id: 'x', status: 'suspended', balanceMinor: 10000n })),
        undefined,
        currencies,
        NOW,
      ),
    ).toMatchObject({
      code: 'ACCOUNT.INACTIVE',
    });
    expect(
      decidePlaceHold(
        aPlaceHold('y'),
        byId(aUserAccount({ id: 'y', currency: 'EUR', balanceMinor: 10000n })),
        undefined,
        currencies,
        NOW,
      ),
    ).toMatchObject({
      code: 'CURRENCY.MISMATCH',
    });
  });
});

describe('decideCaptureHold', () => {
  it('given a 30.00 hold, when capturing 20.00, then one entry moves 20.00 and the other 10.00 becomes available again', () => {
    const user = aUserAccount({ balanceMinor: 10000n, heldMinor: 3000n });
    const bank = anExternalAccount();
    const decision = decideCaptureHold(
      { holdId: 'h', creditAccountId: bank.id, amount: '20.00', actor: admin },
      anOpenHold(user.id),
      byId(user, bank),
      currencies,
      NOW,
    );
    expect(decision).toMatchObject({
      kind: 'captured',
      releasedMinor: 1000n,
      hold: { status: 'captured', capturedMinor: 2000n },
    });
    if (decision.kind !== 'captured') return;
    const [debited, credited] = decision.accounts;
    expect([debited!.balanceMinor, debited!.heldMinor, credited!.balanceMinor]).toEqual([8000n, 0n, 2000n]);
    expect(decision.postings.map((p) => [p.side, p.amountMinor])).toEqual([
      ['debit', 2000n],
      ['credit', 2000n],
    ]);
  });

  it('captures the whole hold when no amount is given', () => {
    const user = aUserAccount({ balanceMinor: 10000n, heldMinor: 3000n });
    const bank = anExternalAccount();
    const decision = decideCaptureHold(
      { holdId: 'h', creditAccountId: bank.id, amount: null, actor: admin },
      anOpenHold(user.id),
      byId(user, bank),
      currencies,
      NOW,
    );
    expect(decision).toMatchObject({ kind: 'captured', releasedMinor: 0n, hold: { capturedMinor: 3000n } });
  });

  it('refuses to capture more than was held, and the hold stays open with the capture requested', () => {
    const user = aUserAccount({ balanceMinor: 10000n, heldMinor: 3000n });
    const bank = anExternalAccount();
    expect(
      decideCaptureHold(
        { holdId: 'h', creditAccountId: bank.id, amount: '30.01', actor: admin },
        anOpenHold(user.id),
        byId(user, bank),
        currencies,
        NOW,
      ),
    ).toMatchObject({
      kind: 'refused-capture',
      rejection: { code: 'AMOUNT.INVALID' },
      hold: { status: 'open', captureRequestedAt: new Date(NOW).toISOString() },
    });
  });

  it('refuses an unknown, an expired, a released or an already captured hold', () => {
    const user = aUserAccount({ balanceMinor: 10000n, heldMinor: 3000n });
    const bank = anExternalAccount();
    const capture = (hold: Hold | undefined, now = NOW) =>
      decideCaptureHold(
        { holdId: 'h', creditAccountId: bank.id, amount: null, actor: admin },
        hold,
        byId(user, bank),
        currencies,
        now,
      );
    expect(capture(undefined)).toMatchObject({ code: 'HOLD.NOT_FOUND' });
    expect(capture(anOpenHold(user.id, { status: 'expired' }))).toMatchObject({ code: 'HOLD.EXPIRED' });
    expect(capture(anOpenHold(user.id, { status: 'released' }))).toMatchObject({ code: 'HOLD.CLOSED' });
    expect(capture(anOpenHold(user.id, { status: 'captured' }))).toMatchObject({ code: 'HOLD.CLOSED' });
  });

  it('refuses to credit an account the transaction type does not allow', () => {
    const user = aUserAccount({ balanceMinor: 10000n, heldMinor: 3000n });
    const other = aUserAccount({ ownerId: 'bob' });
    expect(
      decideCaptureHold(
        { holdId: 'h', creditAccountId: other.id, amount: null, actor: admin },
        anOpenHold(user.id),
        byId(user, other),
        currencies,
        NOW,
      ),
    ).toMatchObject({ kind: 'refused-capture', rejection: { code: 'ACCOUNT.TYPE_NOT_ALLOWED' } });
  });
});

describe('decideReleaseHold', () => {
  it('gives the held amount back to the available balance', () => {
    const user = aUserAccount({ balanceMinor: 10000n, heldMinor: 3000n });
    expect(decideReleaseHold(anOpenHold(user.id), byId(user), admin, 'h', 'released')).toMatchObject({
      kind: 'released',
      hold: { status: 'released' },
      account: { balanceMinor: 10000n, heldMinor: 0n },
    });
  });

  it('answers a second release with the first (idempotent) and refuses releasing a captured hold', () => {
    const user = aUserAccount({ balanceMinor: 10000n });
    expect(
      decideReleaseHold(anOpenHold(user.id, { status: 'released' }), byId(user), admin, 'h', 'released').kind,
    ).toBe('already-released');
    expect(
      decideReleaseHold(anOpenHold(user.id, { status: 'captured' }), byId(user), admin, 'h', 'released'),
    ).toMatchObject({ code: 'HOLD.CLOSED' });
  });

  it('marks a hold released by the sweep as expired', () => {
    const user = aUserAccount({ balanceMinor: 10000n, heldMinor: 3000n });
    expect(decideReleaseHold(anOpenHold(user.id), byId(user), admin, 'h', 'expired')).toMatchObject({
      hold: { status: 'expired' },
    });
  });
});

describe('type rules and frozen accounts', () => {
  it('refuses a hold whose transaction type may not debit the account (no minting through a capture)', () => {
    const bank = anExternalAccount();
    expect(
      decidePlaceHold(
        aPlaceHold(bank.id, { transactionType: 'transfer' }),
        byId(bank),
        undefined,
        currencies,
        NOW,
      ),
    ).toMatchObject({
      code: 'ACCOUNT.TYPE_NOT_ALLOWED',
    });
  });

  it('refuses to capture from a suspended account, and marks the capture as requested', () => {
    const user = aUserAccount({ balanceMinor: 10000n, heldMinor: 3000n, status: 'suspended' });
    const bank = anExternalAccount();
    expect(
      decideCaptureHold(
        { holdId: 'h', creditAccountId: bank.id, amount: null, actor: admin },
        anOpenHold(user.id),
        byId(user, bank),
        currencies,
        NOW,
      ),
    ).toMatchObject({
      kind: 'refused-capture',
      rejection: { code: 'ACCOUNT.INACTIVE' },
      hold: { captureRequestedAt: new Date(NOW).toISOString() },
    });
  });
});

describe('decidePlaceHold, the credit account judged at placement', () => {
  const place = (command: PlaceHoldCommand, ...accounts: Account[]) =>
    decidePlaceHold(command, byId(...accounts), undefined, currencies, NOW);

  it('given a payout account, when holding for a withdrawal to it, then the hold remembers it', () => {
    const user = aUserAccount({ balanceMinor: 10000n });
    const payout = anExternalAccount();
    expect(place(aPlaceHold(user.id, { creditAccountId: payout.id }), user, payout)).toMatchObject({
      kind: 'placed',
      hold: { creditAccountId: payout.id, captureRequestedAt: null },
    });
  });

  it('refuses, before anything external happens, a credit account that is missing, of the wrong type, inactive or in another currency (admin: specific codes)', () => {
    const user = aUserAccount({ balanceMinor: 10000n });
    const other = aUserAccount({ ownerId: 'bob' });
    const suspended = anExternalAccount({ status: 'suspended' });
    const euros = anExternalAccount({ currency: 'EUR' });
    const to = (creditAccountId: string) =>
      place(aPlaceHold(user.id, { creditAccountId }), user, other, suspended, euros);
    expect(to('00000000-0000-7000-8000-999999999999')).toMatchObject({ code: 'ACCOUNT.NOT_FOUND' });
    expect(to(other.id)).toMatchObject({ code: 'ACCOUNT.TYPE_NOT_ALLOWED' });
    expect(to(suspended.id)).toMatchObject({ code: 'ACCOUNT.INACTIVE' });
    expect(to(euros.id)).toMatchObject({ code: 'CURRENCY.MISMATCH' });
  });

  it('gives an owner one identical refusal for every unusable credit account it does not own', () => {
    const user = aUserAccount({ balanceMinor: 10000n });
    const other = aUserAccount({ ownerId: 'bob' });
    const suspended = anExternalAccount({ status: 'suspended' });
    const euros = anExternalAccount({ currency: 'EUR' });
    const full = anExternalAccount({ maxBalanceMinor: 100n });
    const missing = '00000000-0000-7000-8000-999999999999';
    const to = (creditAccountId: string) =>
      place(
        aPlaceHold(user.id, { creditAccountId, actor: owner('alice') }),
        user,
        other,
        suspended,
        euros,
        full,
      );
    for (const id of [missing, other.id, suspended.id, euros.id, full.id]) {
      expect(to(id)).toEqual(unavailableFor(id));
    }
  });

  it("keeps the specific code for a refusal about the owner's own account", () => {
    const user = aUserAccount({ balanceMinor: 1000n });
    const payout = anExternalAccount();
    expect(
      place(aPlaceHold(user.id, { creditAccountId: payout.id, actor: owner('alice') }), user, payout),
    ).toMatchObject({ code: 'ACCOUNT.INSUFFICIENT_FUNDS', context: { available: '10.00' } });
  });

  it('refuses a credit account that is the held account, or one already at its maximum balance', () => {
    const user = aUserAccount({ balanceMinor: 10000n });
    const payout = anExternalAccount({ balanceMinor: 0n, maxBalanceMinor: 2000n });
    expect(place(aPlaceHold(user.id, { creditAccountId: user.id }), user)).toMatchObject({
      code: 'ENTRY.INVALID',
    });
    expect(place(aPlaceHold(user.id, { creditAccountId: payout.id }), user, payout)).toMatchObject({
      code: 'ACCOUNT.LIMIT_EXCEEDED',
    });
  });

  it('refuses the same hold id again with another credit account', () => {
    const user = aUserAccount({ balanceMinor: 10000n, heldMinor: 3000n });
    const payout = anExternalAccount();
    const hold = anOpenHold(user.id, { creditAccountId: payout.id });
    expect(
      decidePlaceHold(
        aPlaceHold(user.id, { creditAccountId: null }),
        byId(user, payout),
        hold,
        currencies,
        NOW,
      ),
    ).toMatchObject({ code: 'HOLD.CLOSED' });
  });
});

describe('decidePlaceHold, top-ups held on the funding account', () => {
  const topUpHold = (accountId: string, overrides: Partial<PlaceHoldCommand> = {}) =>
    aPlaceHold(accountId, { transactionType: 'topup', actor: owner('alice'), ...overrides });

  it("given the funding provider's account, when alice holds for a top-up of her account, then it is placed", () => {
    const funding = aFundingAccount();
    const alices = aUserAccount({ ownerId: 'alice' });
    expect(
      decidePlaceHold(
        topUpHold(funding.id, { creditAccountId: alices.id }),
        byId(funding, alices),
        undefined,
        currencies,
        NOW,
      ),
    ).toMatchObject({ kind: 'placed', hold: { accountId: funding.id, creditAccountId: alices.id } });
  });

  it('refuses a top-up hold that does not name the account it credits', () => {
    const funding = aFundingAccount();
    expect(
      decidePlaceHold(topUpHold(funding.id, { actor: admin }), byId(funding), undefined, currencies, NOW),
    ).toMatchObject({ code: 'ENTRY.INVALID' });
  });

  it("refuses alice's top-up of bob's account, and one held on an EXTERNAL account that is not the funding provider's", () => {
    const funding = aFundingAccount();
    const bank = anExternalAccount();
    const alices = aUserAccount({ ownerId: 'alice' });
    const bobs = aUserAccount({ ownerId: 'bob' });
    const accounts = byId(funding, bank, alices, bobs);
    expect(
      decidePlaceHold(
        topUpHold(funding.id, { creditAccountId: bobs.id }),
        accounts,
        undefined,
        currencies,
        NOW,
      ),
    ).toEqual(unavailableFor(bobs.id, 'topup'));
    expect(
      decidePlaceHold(
        topUpHold(bank.id, { creditAccountId: alices.id }),
        accounts,
        undefined,
        currencies,
        NOW,
      ),
    ).toEqual(unavailableFor(bank.id, 'topup'));
  });

  it('lets an admin hold a top-up on any EXTERNAL account', () => {
    const bank = anExternalAccount();
    const bobs = aUserAccount({ ownerId: 'bob' });
    expect(
      decidePlaceHold(
        topUpHold(bank.id, { creditAccountId: bobs.id, actor: admin }),
        byId(bank, bobs),
        undefined,
        currencies,
        NOW,
      ).kind,
    ).toBe('placed');
  });
});

describe('decideCaptureHold, after the provider acted', () => {
  it('captures an open hold past its expiry that the sweep has not reached: the funds are still reserved', () => {
    const user = aUserAccount({ balanceMinor: 10000n, heldMinor: 3000n });
    const bank = anExternalAccount();
    expect(
      decideCaptureHold(
        { holdId: 'h', creditAccountId: bank.id, amount: null, actor: admin },
        anOpenHold(user.id),
        byId(user, bank),
        currencies,
        Date.parse(IN_AN_HOUR) + 60_000,
      ),
    ).toMatchObject({ kind: 'captured', hold: { status: 'captured', capturedMinor: 3000n } });
  });

  it('refuses a capture to another account than the one the hold was placed for', () => {
    const user = aUserAccount({ balanceMinor: 10000n, heldMinor: 3000n });
    const payout = anExternalAccount();
    const elsewhere = anExternalAccount();
    expect(
      decideCaptureHold(
        { holdId: 'h', creditAccountId: elsewhere.id, amount: null, actor: admin },
        anOpenHold(user.id, { creditAccountId: payout.id }),
        byId(user, payout, elsewhere),
        currencies,
        NOW,
      ),
    ).toMatchObject({ kind: 'refused-capture', rejection: { code: 'ENTRY.INVALID' } });
  });

  it('keeps the first time a capture was requested', () => {
    const user = aUserAccount({ balanceMinor: 10000n, heldMinor: 3000n, status: 'suspended' });
    const bank = anExternalAccount();
    const first = '2025-12-31T23:00:00.000Z';
    expect(
      decideCaptureHold(
        { holdId: 'h', creditAccountId: bank.id, amount: null, actor: admin },
        anOpenHold(user.id, { captureRequestedAt: first }),
        byId(user, bank),
        currencies,
        NOW,
      ),
    ).toMatchObject({ kind: 'refused-capture', hold: { captureRequestedAt: first } });
  });

  it('lets alice capture a top-up hold on the funding account into her account, but not bob, whose request pins nothing', () => {
    const funding = aFundingAccount({ heldMinor: 3000n });
    const alices = aUserAccount({ ownerId: 'alice' });
    const hold = anOpenHold(funding.id, { transactionType: 'topup', creditAccountId: alices.id });
    const capture = (actor: Actor) =>
      decideCaptureHold(
        { holdId: hold.id, creditAccountId: alices.id, amount: null, actor },
        hold,
        byId(funding, alices),
        currencies,
        NOW,
      );
    expect(capture(owner('alice'))).toMatchObject({ kind: 'captured' });
    expect(capture(owner('bob'))).toEqual(unavailableFor(alices.id, 'topup'));
  });

  it('refuses an owner capturing a withdrawal hold on an account it does not own, without pinning it', () => {
    const user = aUserAccount({ balanceMinor: 10000n, heldMinor: 3000n });
    const bank = anExternalAccount();
    expect(
      decideCaptureHold(
        { holdId: 'h', creditAccountId: bank.id, amount: null, actor: owner('mallory') },
        anOpenHold(user.id),
        byId(user, bank),
        currencies,
        NOW,
      ),
    ).toEqual(unavailableFor(user.id));
  });
});

describe('decideReleaseHold, once a capture was requested', () => {
  const requested = '2026-01-01T00:00:00.000Z';

  it('refuses to release it on request, saying a capture was requested', () => {
    const user = aUserAccount({ balanceMinor: 10000n, heldMinor: 3000n });
    const decision = decideReleaseHold(
      anOpenHold(user.id, { captureRequestedAt: requested }),
      byId(user),
      admin,
      'h',
      'released',
    );
    expect(decision).toMatchObject({ kind: 'rejected', code: 'HOLD.CLOSED' });
    expect(decision.kind === 'rejected' && decision.detail).toContain('a capture was requested');
  });

  it('refuses to let the expiry sweep release it', () => {
    const user = aUserAccount({ balanceMinor: 10000n, heldMinor: 3000n });
    expect(
      decideReleaseHold(
        anOpenHold(user.id, { captureRequestedAt: requested }),
        byId(user),
        admin,
        'h',
        'expired',
      ),
    ).toMatchObject({ kind: 'rejected', code: 'HOLD.CLOSED' });
  });

  it("authorizes the release of a top-up hold by the credited account's owner", () => {
    const funding = aFundingAccount({ heldMinor: 3000n });
    const alices = aUserAccount({ ownerId: 'alice' });
    const hold = anOpenHold(funding.id, { transactionType: 'topup', creditAccountId: alices.id });
    expect(decideReleaseHold(hold, byId(funding, alices), owner('alice'), hold.id, 'released').kind).toBe(
      'released',
    );
    expect(decideReleaseHold(hold, byId(funding, alices), owner('bob'), hold.id, 'released')).toMatchObject({
      code: 'ACCOUNT.UNAVAILABLE',
    });
  });
});
