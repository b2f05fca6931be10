import { describe, expect, it } from 'vitest';
import {
  bucketize,
  cpuTicksFromStat,
  cpuUse,
  followReading,
  groupTicks,
  isSuccess,
  isZeroDecimal,
  machineTicks,
  percentile,
  percentilesOf,
  scenarioCpu,
  sumCpu,
} from './bench-report';

/** A /proc/<pid>/stat line as Linux writes it, with the given command name, utime and stime. */
function aStatLine(comm: string, utime: number, stime: number): string {
  const after = ['S', '1', '5386', '5386', '0', '-1', '4194304', '98423', '0', '4', '0'];
  return `5386 (${comm}) ${after.join(' ')} ${utime} ${stime} 0 0 20 0 99 0 17612 4942974976 92851\n`;
}

describe('percentile', () => {
  it('takes the nearest rank of a sorted list', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
  });

  it('has no percentile of nothing', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentilesOf([])).toEqual({ p50: null, p95: null, p99: null });
  });

  it('sorts unsorted values before ranking them', () => {
    expect(percentilesOf([30, 10, 20, 40])).toEqual({ p50: 20, p95: 40, p99: 40 });
  });
});

describe('bucketize', () => {
  it('puts each call in the second it finished and counts only successes as completed', () => {
    const buckets = bucketize(
      [
        { endMs: 100, latencyMs: 10, outcome: 'completed' },
        { endMs: 999, latencyMs: 30, outcome: 'failed' },
        { endMs: 1000, latencyMs: 50, outcome: 'read' },
        { endMs: 2500, latencyMs: 70, outcome: 'refund-completed' },
      ],
      2600,
    );
    expect(buckets).toEqual([
      { second: 0, seconds: 1, answered: 2, completed: 1, p50Ms: 10, p99Ms: 30 },
      { second: 1, seconds: 1, answered: 1, completed: 1, p50Ms: 50, p99Ms: 50 },
      { second: 2, seconds: 0.6, answered: 1, completed: 1, p50Ms: 70, p99Ms: 70 },
    ]);
  });

  it('keeps empty seconds as empty buckets and puts a call finishing at the very end in the last', () => {
    const buckets = bucketize([{ endMs: 3000, latencyMs: 5, outcome: 'completed' }], 3000);
    expect(buckets.map((b) => b.answered)).toEqual([0, 0, 1]);
    expect(buckets[0]).toMatchObject({ p50Ms: null, p99Ms: null });
  });
});

describe('isSuccess', () => {
  it('counts final successful states and reads, not refusals or errors', () => {
    expect(['completed', 'payment-completed', 'read'].map(isSuccess)).toEqual([true, true, true]);
    expect(['failed', 'read-404', 'error:TypeError', 'ACCOUNT.INSUFFICIENT_FUNDS'].map(isSuccess)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('cpuTicksFromStat', () => {
  it('adds utime and stime (fields 14 and 15)', () => {
    expect(cpuTicksFromStat(aStatLine('java', 1072, 174))).toBe(1246);
  });

  it('counts fields after the last parenthesis, so a command name with spaces and parentheses is fine', () => {
    expect(cpuTicksFromStat(aStatLine('node (x) y', 5, 6))).toBe(11);
  });

  it('refuses text that is not a stat line', () => {
    expect(() => cpuTicksFromStat('hello')).toThrow(/no command name/);
    expect(() => cpuTicksFromStat('1 (a) S 1')).toThrow(/utime or stime/);
  });
});

describe('cpuUse', () => {
  it('turns ticks into CPU seconds, cores and CPU ms per completed call', () => {
    expect(cpuUse(1000, 1500, 100, 10, 250)).toEqual({ cpuSeconds: 5, cores: 0.5, msPerCompleted: 20 });
  });

  it('has no per-call cost when nothing completed, and refuses ticks that went backwards', () => {
    expect(cpuUse(0, 100, 100, 2, 0).msPerCompleted).toBeNull();
    expect(() => cpuUse(10, 5, 100, 1, 1)).toThrow(/backwards/);
  });

  it('sums processes into one total over the same wall time and calls', () => {
    const total = sumCpu([cpuUse(0, 300, 100, 4, 100), cpuUse(0, 100, 100, 4, 100)], 4, 100);
    expect(total).toEqual({ cpuSeconds: 4, cores: 1, msPerCompleted: 40 });
  });
});

describe('groupTicks', () => {
  it('counts the growth of lasting processes, all of new ones, and reports the ones that went away', () => {
    const start = new Map([
      [1, 100],
      [2, 50],
      [3, 10],
    ]);
    const end = new Map([
      [1, 160],
      [2, 50],
      [4, 25],
    ]);
    expect(groupTicks(start, end)).toEqual({ ticks: 60 + 0 + 25, processes: 3, gone: 1, ended: 0 });
  });
});

describe('followReading', () => {
  const reading = (atMs: number, groups: Record<string, [number, number][]>) => ({
    atMs,
    machine: { busy: atMs, total: atMs * 2 },
    groups: new Map(Object.entries(groups).map(([name, pids]) => [name, new Map(pids)])),
  });

  it('counts a process that came and went between the first and the last reading up to its last one', () => {
    const start = reading(0, { pg: [[1, 100]] });
    const middle = reading(250, {
      pg: [
        [1, 120],
        [2, 40],
      ],
    });
    const end = followReading(followReading(start, middle), reading(500, { pg: [[3, 5]] }));
    expect(end.groups.get('pg')).toEqual(
      new Map([
        [1, 120],
        [2, 40],
        [3, 5],
      ]),
    );
    expect(end.departed?.get('pg')).toBe(2);
    expect(end.atMs).toBe(500);
    expect(scenarioCpu(start, end, 100, 10, ['pg']).groups[0]).toMatchObject({
      // 20 ticks of the lasting backend until it ended, all 40 and 5 of the two that started after.
      cpuSeconds: (20 + 40 + 5) / 100,
      ended: 2,
      gone: 0,
    });
  });

  it('takes the latest ticks of a process every reading sees, and keeps groups only one reading has', () => {
    const end = followReading(reading(0, { a: [[1, 10]], b: [[2, 7]] }), reading(250, { a: [[1, 30]] }));
    expect(end.groups.get('a')).toEqual(new Map([[1, 30]]));
    expect(end.groups.get('b')).toEqual(new Map([[2, 7]]));
    expect(end.departed).toEqual(
      new Map([
        ['a', 0],
        ['b', 1],
      ]),
    );
  });

  it('is the reading itself when nothing came before', () => {
    const only = reading(0, { a: [[1, 1]] });
    expect(followReading(null, only)).toBe(only);
  });
});

describe('isZeroDecimal', () => {
  it('accepts zero in any spelling', () => {
    expect(['0', '0.00', '-0.00', '+0', '000.0', '.00', '0.'].every(isZeroDecimal)).toBe(true);
  });

  it('rejects amounts too small for a float to tell from zero, and anything that is not a decimal', () => {
    expect(['0.000000000000000000001', '-0.01', '1e-30', '', 'NaN', '0x0', '0,0'].some(isZeroDecimal)).toBe(
      false,
    );
  });
});

describe('machineTicks', () => {
  it('counts everything but idle and iowait as busy, from the summary line of all cores', () => {
    const text = 'cpu  23992 0 10659 56272 564 0 254 167 0 0\ncpu0 11503 0 4784 29451 80 0 76 82 0 0\n';
    expect(machineTicks(text)).toEqual({
      busy: 23992 + 10659 + 254 + 167,
      total: 23992 + 10659 + 254 + 167 + 56272 + 564,
    });
  });

  it('refuses text without the summary line', () => {
    expect(() => machineTicks('cpu0 1 2 3\n')).toThrow(/no "cpu " line/);
    expect(() => machineTicks('cpu  1 2 3\n')).toThrow(/missing/);
  });
});

describe('scenarioCpu', () => {
  const reading = (atMs: number, busy: number, groups: Record<string, [number, number][]>) => ({
    atMs,
    machine: { busy, total: busy * 2 },
    groups: new Map(Object.entries(groups).map(([name, pids]) => [name, new Map(pids)])),
  });

  it('gives each group its CPU over the wall time and totals only the named ones', () => {
    const start = reading(0, 1000, { gateway: [[10, 100]], ledger: [[11, 50]], shared: [[1, 0]] });
    const end = reading(10_000, 2500, { gateway: [[10, 600]], ledger: [[11, 250]], shared: [[1, 900]] });
    const cpu = scenarioCpu(start, end, 100, 100, ['gateway', 'ledger']);
    expect(cpu.wallSeconds).toBe(10);
    expect(cpu.groups.map((g) => [g.name, g.cpuSeconds, g.cores])).toEqual([
      ['gateway', 5, 0.5],
      ['ledger', 2, 0.2],
      ['shared', 9, 0.9],
    ]);
    expect(cpu.total).toEqual({ cpuSeconds: 7, cores: 0.7, msPerCompleted: 70, of: ['gateway', 'ledger'] });
    expect(cpu.machineBusyCores).toBe(1.5);
  });

  it('counts a restarted service (a new pid) from its start and says the old one went away', () => {
    const start = reading(0, 0, { saga: [[20, 500]] });
    const end = reading(1000, 0, { saga: [[21, 30]] });
    expect(scenarioCpu(start, end, 100, 0, ['saga']).groups[0]).toMatchObject({
      cpuSeconds: 0.3,
      gone: 1,
      msPerCompleted: null,
    });
  });
});
