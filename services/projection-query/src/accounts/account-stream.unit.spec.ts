import { fixtures } from '@billing/contracts/fixtures';
import { describe, expect, it } from 'vitest';
import { aStatusChange } from '../../test/builders';
import { routeLedgerEvent } from './account-stream';

describe('routeLedgerEvent', () => {
  it('cuts an entry into one stream item per posting, each with its own account version', () => {
    const route = routeLedgerEvent(fixtures.EntryPosted);
    expect(route.kind === 'stream' && route.items.map((i) => [i.accountId, i.version, i.slot])).toEqual([
      [fixtures.EntryPosted.data.postings[0]!.accountId, 2, 0],
      [fixtures.EntryPosted.data.postings[1]!.accountId, 2, 0],
    ]);
  });

  it('makes HoldCaptured a supplement (slot 1) of the capture posting version', () => {
    const route = routeLedgerEvent(fixtures.HoldCaptured);
    expect(route).toMatchObject({ kind: 'stream', items: [{ kind: 'hold-captured', version: 4, slot: 1 }] });
  });

  it('ignores a status "change" to the status the account already has: the ledger answers with it at another event\'s version', () => {
    const route = routeLedgerEvent(
      aStatusChange({
        accountId: fixtures.AccountOpened.data.accountId,
        from: 'active',
        to: 'active',
        version: 7,
      }),
    );
    expect(route.kind).toBe('ignored');
  });

  it('turns CurrencyAdded into a currency and ignores refusals', () => {
    expect(routeLedgerEvent(fixtures.CurrencyAdded)).toEqual({
      kind: 'currency-added',
      code: 'CHF',
      scale: 2,
      currencyKind: 'fiat',
    });
    expect(routeLedgerEvent(fixtures.CommandRejected).kind).toBe('ignored');
  });
});
