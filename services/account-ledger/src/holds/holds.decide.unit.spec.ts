import { describe, expect, it } from 'vitest';
import { aUserAccount, admin, anExternalAccount, byId, currencies, owner } from '../../test/builders';
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
    actor: admin,
    ...overrides,
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
    ...overrides,
  };
}

describe('decidePlaceHold', () => {
  it('given 100.00, when holding 30.00, then the balance stays and available drops to 70.00', () => {
    const account = aUserAccount({ balanceMinor: 10000n });
    const decision = decidePlaceHold(aPlaceHold(account.id), account, undefined, currencies, NOW);
    expect(decision).toMatchObject({
      kind: 'placed',
      account: { balanceMinor: 10000n, heldMinor: 3000n, version: 2 },
    });
  });

  it('refuses a hold larger than the available balance, reporting available and requested', () => {
    const account = aUserAccount({ balanceMinor: 10000n, heldMinor: 8000n });
    expect(decidePlaceHold(aPlaceHold(account.id), account, undefined, currencies, NOW)).toMatchObject({
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
        account,
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
        account,
        undefined,
        currencies,
        NOW,
      ),
    ).toMatchObject({
      code: 'AMOUNT.INVALID',
    });
  });

  it("refuses an owner holding funds on someone else's account", () => {
    const account = aUserAccount({ balanceMinor: 10000n, ownerId: 'bob' });
    expect(
      decidePlaceHold(aPlaceHold(account.id, { actor: owner('alice') }), account, undefined, currencies, NOW),
    ).toMatchObject({
      code: 'AUTH.FORBIDDEN',
    });
  });

  it('answers a repeated hold id with the existing hold (idempotent)', () => {
    const account = aUserAccount({ balanceMinor: 10000n, heldMinor: 3000n });
    const hold = anOpenHold(account.id);
    expect(decidePlaceHold(aPlaceHold(account.id), account, hold, currencies, NOW)).toMatchObject({
      kind: 'already-placed',
      hold,
    });
  });

  it('refuses a hold on a suspended account or in another currency', () => {
    expect(
      decidePlaceHold(
        aPlaceHold('x'),
        aUserAccount({ id: 'x', status: 'suspended', balanceMinor: 10000n }),
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
        aUserAccount({ id: 'y', currency: 'EUR', balanceMinor: 10000n }),
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

  it('refuses to capture more than was held', () => {
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
    ).toMatchObject({ code: 'AMOUNT.INVALID' });
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
    expect(capture(anOpenHold(user.id), Date.parse(IN_AN_HOUR))).toMatchObject({ code: 'HOLD.EXPIRED' });
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
    ).toMatchObject({ code: 'ACCOUNT.TYPE_NOT_ALLOWED' });
  });
});

describe('decideReleaseHold', () => {
  it('gives the held amount back to the available balance', () => {
    const user = aUserAccount({ balanceMinor: 10000n, heldMinor: 3000n });
    expect(decideReleaseHold(anOpenHold(user.id), user, admin, 'h', 'released')).toMatchObject({
      kind: 'released',
      hold: { status: 'released' },
      account: { balanceMinor: 10000n, heldMinor: 0n },
    });
  });

  it('answers a second release with the first (idempotent) and refuses releasing a captured hold', () => {
    const user = aUserAccount({ balanceMinor: 10000n });
    expect(
      decideReleaseHold(anOpenHold(user.id, { status: 'released' }), user, admin, 'h', 'released').kind,
    ).toBe('already-released');
    expect(
      decideReleaseHold(anOpenHold(user.id, { status: 'captured' }), user, admin, 'h', 'released'),
    ).toMatchObject({ code: 'HOLD.CLOSED' });
  });

  it('marks a hold released by the sweep as expired', () => {
    const user = aUserAccount({ balanceMinor: 10000n, heldMinor: 3000n });
    expect(decideReleaseHold(anOpenHold(user.id), user, admin, 'h', 'expired')).toMatchObject({
      hold: { status: 'expired' },
    });
  });
});

describe('type rules and frozen accounts', () => {
  it('refuses a hold whose transaction type may not debit the account (no minting through a capture)', () => {
    const bank = anExternalAccount();
    expect(
      decidePlaceHold(aPlaceHold(bank.id, { transactionType: 'transfer' }), bank, undefined, currencies, NOW),
    ).toMatchObject({
      code: 'ACCOUNT.TYPE_NOT_ALLOWED',
    });
  });

  it('refuses to capture from a suspended account', () => {
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
    ).toMatchObject({ code: 'ACCOUNT.INACTIVE' });
  });
});
