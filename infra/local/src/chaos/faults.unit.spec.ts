import { describe, expect, it } from 'vitest';
import { describeFault, FAULT_CYCLE, parseFaults } from './faults';

describe('the chaos fault cycle', () => {
  it('kills every service more than once and has every kind of fault', () => {
    const names = FAULT_CYCLE.map(describeFault);
    for (const service of ['account-ledger', 'saga-orchestrator', 'projection-query', 'command-gateway'])
      expect(names.filter((n) => n === `kill:${service}`).length).toBeGreaterThanOrEqual(2);
    expect(new Set(FAULT_CYCLE.map((f) => f.kind))).toEqual(
      new Set(['kill', 'pause', 'broker-restart', 'pg-terminate']),
    );
  });

  it('given fault names as a run prints them, then they parse back to those faults', () => {
    expect(parseFaults('pause:account-ledger, broker-restart')).toEqual([
      { kind: 'pause', service: 'account-ledger' },
      { kind: 'broker-restart' },
    ]);
  });

  it('given an unknown fault name, then it is refused with the known ones', () => {
    expect(() => parseFaults('kill:postgres')).toThrow(
      /unknown fault kill:postgres; known: kill:account-ledger/,
    );
  });
});
