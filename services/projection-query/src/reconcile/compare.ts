import { formatDecimal } from '@billing/contracts/money';

/** An account as the ledger has it now. */
export interface LedgerAccount {
  id: string;
  scale: number;
  balance: string;
  held: string;
  status: string;
  version: number;
}

/** An account as the read model has it. */
export interface ReadAccount {
  id: string;
  balance: string;
  held: string;
  status: string;
  version: number;
}

export type Finding =
  | { kind: 'ok'; accountId: string }
  /** Not drift yet: the read model has applied a prefix of the stream and may still catch up. */
  | { kind: 'behind'; accountId: string; readVersion: number; ledgerVersion: number }
  | { kind: 'drift'; accountId: string; field: string; ledger: string; readModel: string; version: number };

/**
 * Compares one account. The read model reflects a gapless prefix of each account's stream, so it is
 * compared with the ledger at the read model's version: equal versions compare everything; a read model
 * behind the ledger compares its balance with the ledger's balance after that version (the last
 * posting's balance at or below it), so lag is never mistaken for drift. Pure.
 */
export function compareAccount(
  id: string,
  ledger: LedgerAccount | undefined,
  read: ReadAccount | undefined,
  ledgerBalanceAtReadVersion: string | null,
): Finding {
  if (ledger === undefined) {
    const version = read?.version ?? 0;
    return {
      kind: 'drift',
      accountId: id,
      field: 'account',
      ledger: 'absent',
      readModel: 'present',
      version,
    };
  }
  if (read === undefined)
    return { kind: 'behind', accountId: id, readVersion: 0, ledgerVersion: ledger.version };
  const same = (a: string, b: string) => formatDecimal(a, ledger.scale) === formatDecimal(b, ledger.scale);
  if (read.version > ledger.version) {
    const versions = { ledger: String(ledger.version), readModel: String(read.version) };
    return { kind: 'drift', accountId: id, field: 'version', ...versions, version: read.version };
  }
  if (read.version < ledger.version) {
    const expected = ledgerBalanceAtReadVersion ?? '0';
    if (!same(expected, read.balance)) {
      return {
        kind: 'drift',
        accountId: id,
        field: 'balance',
        ledger: expected,
        readModel: read.balance,
        version: read.version,
      };
    }
    return { kind: 'behind', accountId: id, readVersion: read.version, ledgerVersion: ledger.version };
  }
  const fields: [string, string, string, boolean][] = [
    ['balance', ledger.balance, read.balance, same(ledger.balance, read.balance)],
    ['held', ledger.held, read.held, same(ledger.held, read.held)],
    ['status', ledger.status, read.status, ledger.status === read.status],
  ];
  const wrong = fields.find(([, , , equal]) => !equal);
  if (wrong) {
    return {
      kind: 'drift',
      accountId: id,
      field: wrong[0],
      ledger: wrong[1],
      readModel: wrong[2],
      version: read.version,
    };
  }
  return { kind: 'ok', accountId: id };
}
