import { describe, expect, it } from 'vitest';
import { compareAccount, type LedgerAccount, type ReadAccount } from './compare';

const ID = '0192f0a0-0000-7000-8000-000000000001';
const ledger = (o: Partial<LedgerAccount> = {}): LedgerAccount => ({
  id: ID,
  scale: 2,
  balance: '100.00',
  held: '10.00',
  status: 'active',
  version: 5,
  ...o,
});
const read = (o: Partial<ReadAccount> = {}): ReadAccount => ({
  id: ID,
  balance: '100.00',
  held: '10',
  status: 'active',
  version: 5,
  ...o,
});

describe('compareAccount', () => {
  it('finds nothing when both agree at the same version, whatever the trailing zeros', () => {
    expect(compareAccount(ID, ledger(), read(), null)).toEqual({ kind: 'ok', accountId: ID });
  });

  it.each([
    ['balance', { balance: '101.00' }],
    ['held', { held: '0' }],
    ['status', { status: 'suspended' }],
  ])('reports drift of %s at the same version', (field, change) => {
    expect(compareAccount(ID, ledger(), read(change), null)).toMatchObject({ kind: 'drift', field });
  });

  it('compares a lagging read model with the ledger balance at its own version: lag is not drift', () => {
    expect(compareAccount(ID, ledger({ version: 9 }), read({ balance: '80.00' }), '80.00')).toMatchObject({
      kind: 'behind',
      readVersion: 5,
      ledgerVersion: 9,
    });
    expect(compareAccount(ID, ledger({ version: 9 }), read({ balance: '81.00' }), '80.00')).toMatchObject({
      kind: 'drift',
      field: 'balance',
      ledger: '80.00',
    });
  });

  it('reports a read model ahead of the ledger, and an account the ledger does not know', () => {
    expect(compareAccount(ID, ledger({ version: 4 }), read(), null)).toMatchObject({
      kind: 'drift',
      field: 'version',
    });
    expect(compareAccount(ID, undefined, read(), null)).toMatchObject({ kind: 'drift', field: 'account' });
  });

  it('counts an account missing from the read model as behind, to be looked at again', () => {
    expect(compareAccount(ID, ledger(), undefined, null)).toMatchObject({ kind: 'behind', readVersion: 0 });
  });
});
