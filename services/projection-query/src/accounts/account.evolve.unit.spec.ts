import { describe, expect, it } from 'vitest';
import { aPostedItem, anOpenedItem } from '../../test/builders';
import { evolveAccount, type AccountState } from './account.evolve';
import type { AccountStreamItem } from './account-stream';

const ACCOUNT = '0192f0a0-0000-7000-8000-0000000000a1';
const HOLD = '0192f0a0-0000-7000-8000-0000000000b1';

function fold(items: AccountStreamItem[]) {
  let state: AccountState | null = null;
  const effects = [];
  for (const item of items) {
    const e = evolveAccount(state, item);
    state = e.state;
    effects.push(...e.effects);
  }
  return { state: state!, effects };
}

describe('evolveAccount', () => {
  it('given nothing, when the account is opened, then it is active at version 1 with the default limits', () => {
    const { state } = fold([anOpenedItem()]);
    expect(state).toMatchObject({
      id: ACCOUNT,
      balance: '0.00',
      scale: 2,
      version: 1,
      status: 'active',
      minBalance: '0.00',
      maxBalance: null,
    });
  });

  it('given an EXTERNAL account, when opened, then it has no minimum balance', () => {
    expect(fold([anOpenedItem({ type: 'EXTERNAL' })]).state.minBalance).toBeNull();
  });

  it('given an open account, when a credit is posted, then the balance and version follow it, with a history line and a total', () => {
    const { state, effects } = fold([
      anOpenedItem(),
      aPostedItem({ version: 2, amount: '10.5', balanceAfter: '10.5' }),
    ]);
    expect(state).toMatchObject({ balance: '10.50', version: 2, updatedAt: '2026-01-01T00:01:00.000Z' });
    expect(effects).toEqual([
      {
        kind: 'history',
        line: expect.objectContaining({ version: 2, side: 'credit', amount: '10.50', balanceAfter: '10.50' }),
      },
      { kind: 'posting-total', currency: 'USD', scale: 2, side: 'credit', amount: '10.50' },
    ]);
  });

  it('given an open account, when a hold is placed and released, then the version moves and the hold opens and closes', () => {
    const { state, effects } = fold([
      anOpenedItem(),
      {
        kind: 'hold-placed',
        slot: 0,
        accountId: ACCOUNT,
        version: 2,
        at: 't1',
        holdId: HOLD,
        transactionId: HOLD,
        amount: '5',
        expiresAt: 't9',
      },
      {
        kind: 'hold-released',
        slot: 0,
        accountId: ACCOUNT,
        version: 3,
        at: 't2',
        holdId: HOLD,
        reason: 'expired',
      },
    ]);
    expect(state.version).toBe(3);
    expect(effects).toEqual([
      expect.objectContaining({ kind: 'hold-opened', holdId: HOLD, amount: '5.00' }),
      { kind: 'hold-closed', holdId: HOLD, status: 'expired', capturedAmount: null, closedAt: 't2' },
    ]);
  });

  it('given a captured hold, when HoldCaptured is applied, then the hold closes and the version stays with the posting', () => {
    const { state, effects } = fold([
      anOpenedItem(),
      aPostedItem({ version: 2, side: 'debit', amount: '4.00', balanceAfter: '-4.00' }),
      {
        kind: 'hold-captured',
        slot: 1,
        accountId: ACCOUNT,
        version: 2,
        at: 't3',
        holdId: HOLD,
        capturedAmount: '4',
      },
    ]);
    expect(state.version).toBe(2);
    expect(effects.at(-1)).toEqual({
      kind: 'hold-closed',
      holdId: HOLD,
      status: 'captured',
      capturedAmount: '4.00',
      closedAt: 't3',
    });
  });

  it('given an open account, when its status and limits change, then the view shows them', () => {
    const { state } = fold([
      anOpenedItem(),
      { kind: 'status-changed', slot: 0, accountId: ACCOUNT, version: 2, at: 't1', status: 'suspended' },
      {
        kind: 'limits-changed',
        slot: 0,
        accountId: ACCOUNT,
        version: 3,
        at: 't2',
        minBalance: '-50.00',
        maxBalance: '100.00',
      },
    ]);
    expect(state).toMatchObject({
      status: 'suspended',
      minBalance: '-50.00',
      maxBalance: '100.00',
      version: 3,
    });
  });

  it('refuses an item for an account that was never opened: ordering must have put the opening first', () => {
    expect(() => evolveAccount(null, aPostedItem({ version: 2 }))).toThrow(/before it was opened/);
  });

  it('refuses an amount with more decimals than the account allows instead of rounding it', () => {
    expect(() =>
      fold([anOpenedItem(), aPostedItem({ version: 2, amount: '0.001', balanceAfter: '0.001' })]),
    ).toThrow(/decimals/);
  });
});
