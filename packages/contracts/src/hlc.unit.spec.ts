import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HlcSchema, HybridLogicalClock, formatHlc, parseHlc, type HlcTimestamp } from './hlc';

/** A clock whose wall time the test sets by hand. */
function clockAt(startMs: number, node = 'node-a') {
  const wall = { ms: startMs };
  const clock = new HybridLogicalClock(node, () => wall.ms);
  return { clock, wall };
}

function stamps(clock: HybridLogicalClock, count: number): string[] {
  return Array.from({ length: count }, () => clock.now());
}

function expectStrictlyIncreasing(list: readonly string[]): void {
  for (let i = 1; i < list.length; i += 1) {
    expect(list[i]! > list[i - 1]!, `${list[i]} should order after ${list[i - 1]}`).toBe(true);
  }
}

const nodeArb = fc.stringMatching(/^[a-z0-9-]{1,64}$/);

describe('HybridLogicalClock.now', () => {
  it('given a wall clock that advances, then the stamp takes the wall time with a zero counter', () => {
    const { clock, wall } = clockAt(1_000);
    expect(parseHlc(clock.now())).toEqual({ physicalMs: 1_000, logical: 0, node: 'node-a' });
    wall.ms = 2_000;
    expect(parseHlc(clock.now())).toEqual({ physicalMs: 2_000, logical: 0, node: 'node-a' });
  });

  it('given a wall clock that stands still, then stamps strictly increase through the logical counter', () => {
    const { clock } = clockAt(1_700_000_000_000);
    const list = stamps(clock, 50);
    expectStrictlyIncreasing(list);
    expect(list.map((s) => parseHlc(s).physicalMs)).toEqual(Array(50).fill(1_700_000_000_000));
    expect(parseHlc(list[49]!).logical).toBe(49);
  });

  it('given a wall clock that goes backwards, then stamps still strictly increase and keep the later physical time', () => {
    const { clock, wall } = clockAt(1_700_000_010_000);
    const first = clock.now();
    wall.ms = 1_700_000_000_000;
    const later = stamps(clock, 5);
    expectStrictlyIncreasing([first, ...later]);
    expect(later.every((s) => parseHlc(s).physicalMs === 1_700_000_010_000)).toBe(true);
  });

  it('given a wall clock stuck at 0 from the start, then the first stamp still orders after the initial state', () => {
    const { clock } = clockAt(0);
    expectStrictlyIncreasing(['000000000000000.00000.node-a', ...stamps(clock, 3)]);
  });

  it('given more than 99999 stamps in one millisecond, then the counter overflow borrows the next millisecond', () => {
    const { clock } = clockAt(5_000);
    const list = stamps(clock, 100_001);
    expect(parseHlc(list[99_999]!)).toEqual({ physicalMs: 5_000, logical: 99_999, node: 'node-a' });
    expect(parseHlc(list[100_000]!)).toEqual({ physicalMs: 5_001, logical: 0, node: 'node-a' });
    expect(list[100_000]! > list[99_999]!).toBe(true);
    expect(HlcSchema.safeParse(list[100_000]).success).toBe(true);
  });
});

describe('HybridLogicalClock.observe', () => {
  it('given a remote stamp from the future, then the next local stamp orders after it', () => {
    const { clock } = clockAt(1_000);
    const before = clock.now();
    const remote = formatHlc({ physicalMs: 60_000, logical: 7, node: 'node-b' });
    clock.observe(remote);
    const next = clock.now();
    expect(next > remote).toBe(true);
    expect(next > before).toBe(true);
    expect(parseHlc(next)).toMatchObject({ physicalMs: 60_000, node: 'node-a' });
  });

  it('given a remote stamp in the same millisecond with a higher counter, then the next local stamp orders after it', () => {
    const { clock } = clockAt(1_000);
    clock.now();
    const remote = formatHlc({ physicalMs: 1_000, logical: 42, node: 'node-b' });
    clock.observe(remote);
    expect(clock.now() > remote).toBe(true);
  });

  it('given a remote stamp in the same ms and counter whose node sorts after ours, then the next stamp still orders after it', () => {
    const { clock } = clockAt(1_000, 'node-a');
    const remote = formatHlc({ physicalMs: 1_000, logical: 0, node: 'zzz' });
    clock.observe(remote);
    expect(clock.now() > remote).toBe(true);
  });

  it('given a remote stamp from the past, then local stamps keep following local time and stay increasing', () => {
    const { clock } = clockAt(50_000);
    const before = clock.now();
    const remote = formatHlc({ physicalMs: 10, logical: 3, node: 'node-b' });
    clock.observe(remote);
    const next = clock.now();
    expectStrictlyIncreasing([remote, before, next]);
    expect(parseHlc(next).physicalMs).toBe(50_000);
  });

  it('given the remote counter at its maximum, then the next stamp still orders after it by borrowing a millisecond', () => {
    const { clock } = clockAt(1_000);
    const remote = formatHlc({ physicalMs: 9_000, logical: 99_999, node: 'node-b' });
    clock.observe(remote);
    const next = clock.now();
    expect(next > remote).toBe(true);
    expect(HlcSchema.safeParse(next).success).toBe(true);
  });

  it('property: whatever the wall clock does and whatever is observed, each local stamp orders after every earlier local stamp and every observed stamp', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('tick' as const), deltaMs: fc.integer({ min: -5_000, max: 5_000 }) }),
      fc.record({
        kind: fc.constant('observe' as const),
        offsetMs: fc.integer({ min: -10_000, max: 10_000 }),
        logical: fc.integer({ min: 0, max: 99_999 }),
        node: nodeArb,
      }),
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
        const { clock, wall } = clockAt(1_700_000_000_000);
        let highest = '';
        for (const s of steps) {
          if (s.kind === 'tick') {
            wall.ms += s.deltaMs;
            const stamp = clock.now();
            expect(stamp > highest).toBe(true);
            expect(HlcSchema.safeParse(stamp).success).toBe(true);
            highest = stamp;
          } else {
            const remote = formatHlc({ physicalMs: wall.ms + s.offsetMs, logical: s.logical, node: s.node });
            clock.observe(remote);
            if (remote > highest) highest = remote;
          }
        }
        expect(clock.now() > highest).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('formatHlc / parseHlc', () => {
  it('given a timestamp, then it writes a 15-digit ms part, a 5-digit counter and the node', () => {
    expect(formatHlc({ physicalMs: 1_767_225_600_000, logical: 3, node: 'ledger-1' })).toBe(
      '001767225600000.00003.ledger-1',
    );
  });

  it('given a formatted stamp, then parse gives the same timestamp back', () => {
    const t: HlcTimestamp = { physicalMs: 1_767_225_600_000, logical: 3, node: 'ledger-1' };
    expect(parseHlc(formatHlc(t))).toEqual(t);
  });

  it('property: parse(format(t)) === t and the stamp matches HlcSchema', () => {
    fc.assert(
      fc.property(
        fc.record({
          physicalMs: fc.integer({ min: 0, max: 999_999_999_999_999 }),
          logical: fc.integer({ min: 0, max: 99_999 }),
          node: nodeArb,
        }),
        (t) => {
          const stamp = formatHlc(t);
          expect(parseHlc(stamp)).toEqual(t);
          expect(HlcSchema.safeParse(stamp).success).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('property: string order of stamps equals (physicalMs, logical) order', () => {
    const ts = fc.record({
      physicalMs: fc.integer({ min: 0, max: 999_999_999_999_999 }),
      logical: fc.integer({ min: 0, max: 99_999 }),
    });
    fc.assert(
      fc.property(ts, ts, (a, b) => {
        const byFields = a.physicalMs - b.physicalMs || a.logical - b.logical;
        const sa = formatHlc({ ...a, node: 'n' });
        const sb = formatHlc({ ...b, node: 'n' });
        const byString = sa < sb ? -1 : sa > sb ? 1 : 0;
        expect(byString).toBe(Math.sign(byFields));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('HlcSchema', () => {
  it('given stamps produced by a clock, then it accepts them', () => {
    const { clock, wall } = clockAt(Date.parse('2026-01-01T00:00:00.000Z'), 'saga-orchestrator-0');
    const list = stamps(clock, 3);
    wall.ms += 1;
    list.push(clock.now());
    for (const stamp of list) expect(HlcSchema.safeParse(stamp).success).toBe(true);
  });

  it.each([
    ['garbage', 'not a stamp at all'],
    ['1767225600000.00000.node', 'ms part not padded to 15 digits'],
    ['001767225600000.0.node', 'counter not padded to 5 digits'],
    ['001767225600000.00000.', 'empty node'],
    ['001767225600000.00000.Node', 'upper-case node'],
    ['001767225600000.00000.a.b', 'dot in node'],
    [`001767225600000.00000.${'a'.repeat(65)}`, 'node longer than 64'],
  ])('given "%s" (%s), then it refuses it', (stamp) => {
    expect(HlcSchema.safeParse(stamp).success).toBe(false);
  });
});

describe('HybridLogicalClock.observe guards', () => {
  it('refuses a malformed stamp and keeps producing valid stamps', () => {
    const clock = new HybridLogicalClock('a', () => 1_000);
    expect(() => clock.observe('garbage')).toThrow(/not an HLC stamp/);
    expect(HlcSchema.safeParse(clock.now()).success).toBe(true);
  });

  it('takes a stamp from far in the future only up to the drift bound', () => {
    const clock = new HybridLogicalClock('a', () => 1_000, 60_000);
    clock.observe('999999999999999.99999.b');
    const next = parseHlc(clock.now());
    expect(next.physicalMs).toBe(61_000);
    expect(HlcSchema.safeParse(formatHlc(next)).success).toBe(true);
  });
});
