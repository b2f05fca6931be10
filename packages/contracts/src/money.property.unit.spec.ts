import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AMOUNT_INTEGER_DIGITS_MAX,
  SCALE_MAX,
  addDecimal,
  canonicalDecimal,
  compareDecimal,
  decimalPlaces,
  formatDecimal,
  formatMinorUnits,
  parseAmount,
  subtractDecimal,
  toMinor,
} from './money';

const RUNS = { numRuns: 1000 };

/** Far beyond Number.MAX_SAFE_INTEGER (2^53 - 1, 16 digits) and beyond the 36 digits of one wire amount. */
const HUGE = 10n ** 60n;

const scaleArb = fc.integer({ min: 0, max: SCALE_MAX });
const minorArb = fc.oneof(
  fc.bigInt({ min: -HUGE, max: HUGE }),
  fc.bigInt({ min: -1000n, max: 1000n }),
  fc.constantFrom(0n, 2n ** 53n, 2n ** 53n + 1n, -(2n ** 64n), 10n ** 36n - 1n),
);

/** A positive amount that fits the wire limits for its scale: at most 18 whole digits. */
const wireAmountArb = scaleArb.chain((scale) =>
  fc.tuple(
    fc.constant(scale),
    fc.bigInt({ min: 1n, max: 10n ** BigInt(AMOUNT_INTEGER_DIGITS_MAX + scale) - 1n }),
  ),
);

/** Spellings that are not plain decimal notation, built from a valid amount so each differs by one defect. */
const malformedArb = fc
  .tuple(fc.bigInt({ min: 1n, max: 10n ** 20n }), fc.integer({ min: 1, max: 6 }))
  .chain(([minor, scale]) => {
    const good = formatMinorUnits(minor, scale);
    return fc.constantFrom(
      `0${good}`,
      `+${good}`,
      ` ${good}`,
      `${good} `,
      `${good}.`,
      `${good}e2`,
      `${good}E-2`,
      good.replace('.', ','),
      good.replace('.', '..'),
      `.${good.split('.')[1]}`,
      `${good.split('.')[0]}.`,
      `--${good}`,
      `0x${minor.toString(16)}`,
      `${good}\n`,
      '',
      'NaN',
      'Infinity',
    );
  });

describe('money: minor units', () => {
  it('property: every bigint at every scale survives formatMinorUnits then toMinor unchanged, at any size', () => {
    fc.assert(
      fc.property(minorArb, scaleArb, (minor, scale) => {
        expect(toMinor(formatMinorUnits(minor, scale), scale)).toBe(minor);
      }),
      RUNS,
    );
  });

  it('property: a written amount has exactly `scale` decimals and carries the sign of its minor units', () => {
    fc.assert(
      fc.property(minorArb, scaleArb, (minor, scale) => {
        const text = formatMinorUnits(minor, scale);
        expect(decimalPlaces(text)).toBe(scale);
        expect(text.startsWith('-')).toBe(minor < 0n);
        expect(text).not.toMatch(/e/i);
      }),
      RUNS,
    );
  });

  it('property: negating the written amount negates the minor units', () => {
    fc.assert(
      fc.property(minorArb, scaleArb, (minor, scale) => {
        expect(toMinor(formatMinorUnits(-minor, scale), scale)).toBe(
          -toMinor(formatMinorUnits(minor, scale), scale),
        );
      }),
      RUNS,
    );
  });

  it('property: trailing zeros beyond the scale are accepted, and formatDecimal gives the canonical form back', () => {
    fc.assert(
      fc.property(minorArb, scaleArb, fc.integer({ min: 1, max: 6 }), (minor, scale, zeros) => {
        const canonical = formatMinorUnits(minor, scale);
        const padded = `${canonical}${scale === 0 ? '.' : ''}${'0'.repeat(zeros)}`;
        expect(toMinor(padded, scale)).toBe(minor);
        expect(formatDecimal(padded, scale)).toBe(canonical);
      }),
      RUNS,
    );
  });

  it('property: a non-zero digit beyond the scale is refused, never rounded', () => {
    fc.assert(
      fc.property(
        minorArb,
        fc.integer({ min: 0, max: SCALE_MAX - 1 }),
        fc.integer({ min: 1, max: 9 }),
        (minor, scale, digit) => {
          const text = `${formatMinorUnits(minor, scale)}${scale === 0 ? '.' : ''}${digit}`;
          expect(() => toMinor(text, scale)).toThrow(/more than \d+ significant decimals/);
        },
      ),
      RUNS,
    );
  });
});

describe('money: wire amounts', () => {
  it('property: every positive amount within the wire limits parses back to its minor units at its scale', () => {
    fc.assert(
      fc.property(wireAmountArb, ([scale, minor]) => {
        expect(parseAmount(formatMinorUnits(minor, scale), scale)).toEqual({ ok: true, minor, scale });
      }),
      RUNS,
    );
  });

  it('property: more written decimals than the scale is refused with the count, trailing zeros included', () => {
    fc.assert(
      fc.property(wireAmountArb, ([scale, minor]) => {
        if (scale === SCALE_MAX) return;
        const text = formatMinorUnits(minor * 10n, scale + 1);
        expect(parseAmount(text, scale)).toEqual({
          ok: false,
          code: 'AMOUNT.INVALID',
          detail: `"${text}" has ${scale + 1} decimals; the currency allows ${scale}`,
        });
      }),
      RUNS,
    );
  });

  it('property: a negative amount is refused unless the rules allow a sign, and then it keeps its sign', () => {
    fc.assert(
      fc.property(wireAmountArb, ([scale, minor]) => {
        const text = formatMinorUnits(-minor, scale);
        expect(parseAmount(text, scale)).toMatchObject({ ok: false, code: 'AMOUNT.INVALID' });
        expect(parseAmount(text, scale, { signed: true })).toEqual({ ok: true, minor: -minor, scale });
      }),
      RUNS,
    );
  });

  it('property: more whole digits than the wire allows is refused, however the amount is signed', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 10n ** 18n, max: HUGE }),
        scaleArb,
        fc.boolean(),
        (whole, scale, signed) => {
          const text = formatMinorUnits(signed ? -whole : whole, 0);
          expect(parseAmount(text, scale, { signed: true, zero: true })).toMatchObject({
            ok: false,
            code: 'AMOUNT.INVALID',
          });
        },
      ),
      RUNS,
    );
  });

  it('property: malformed spellings are refused with AMOUNT.INVALID, and toMinor throws on them', () => {
    fc.assert(
      fc.property(malformedArb, scaleArb, (text, scale) => {
        expect(parseAmount(text, scale, { signed: true, zero: true })).toMatchObject({
          ok: false,
          code: 'AMOUNT.INVALID',
        });
        expect(() => toMinor(text, scale)).toThrow(/not a finite decimal/);
      }),
      RUNS,
    );
  });
});

describe('money: arithmetic and comparison', () => {
  it('property: adding and subtracting decimals agrees with bigint arithmetic on their minor units', () => {
    fc.assert(
      fc.property(minorArb, minorArb, scaleArb, (a, b, scale) => {
        const [x, y] = [formatMinorUnits(a, scale), formatMinorUnits(b, scale)];
        expect(toMinor(addDecimal(x, y), scale)).toBe(a + b);
        expect(toMinor(subtractDecimal(x, y), scale)).toBe(a - b);
      }),
      RUNS,
    );
  });

  it('property: comparison agrees with the minor units, across different scales of writing', () => {
    fc.assert(
      fc.property(minorArb, minorArb, scaleArb, fc.integer({ min: 0, max: 4 }), (a, b, scale, extra) => {
        const expected = a < b ? -1 : a > b ? 1 : 0;
        const x = formatMinorUnits(a, scale);
        const y = formatMinorUnits(b * 10n ** BigInt(extra), scale + extra);
        expect(compareDecimal(x, y)).toBe(expected);
      }),
      RUNS,
    );
  });

  it('property: the canonical form is one spelling per value: no trailing fractional zeros, no "-0"', () => {
    fc.assert(
      fc.property(minorArb, scaleArb, fc.integer({ min: 0, max: 4 }), (minor, scale, extra) => {
        const canonical = canonicalDecimal(formatMinorUnits(minor, scale));
        expect(canonicalDecimal(formatMinorUnits(minor * 10n ** BigInt(extra), scale + extra))).toBe(
          canonical,
        );
        expect(canonical).not.toMatch(/\.[0-9]*0$|^-0$|e/i);
        expect(compareDecimal(canonical, formatMinorUnits(minor, scale))).toBe(0);
      }),
      RUNS,
    );
  });
});
