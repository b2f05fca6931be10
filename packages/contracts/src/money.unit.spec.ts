import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AMOUNT_INTEGER_DIGITS_MAX,
  AmountSchema,
  SEEDED_CURRENCIES,
  addDecimal,
  amountPattern,
  canonicalDecimal,
  compareDecimal,
  decimalPlaces,
  findSeededCurrency,
  formatDecimal,
  formatMinorUnits,
  isPositiveDecimal,
  multiplyDecimal,
  parseAmount,
  significantFraction,
  subtractDecimal,
  toMinor,
  toMinorUnits,
  truncateDecimal,
} from './money';

function scaleOf(code: string): number {
  const currency = findSeededCurrency(code);
  if (!currency) throw new Error(`${code} is not seeded`);
  return currency.scale;
}

const USD = scaleOf('USD');
const JPY = scaleOf('JPY');
const ETH = scaleOf('ETH');

/** Plain decimal notation: optional sign, digits, optional fraction. No exponent, no stray characters. */
const PLAIN_DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;

/** A seeded currency's scale with a positive minor amount whose whole part fits the allowed digits. */
const scaleAndPositiveMinor = fc
  .constantFrom(...SEEDED_CURRENCIES)
  .chain((currency) =>
    fc.tuple(
      fc.constant(currency.scale),
      fc.bigInt({ min: 1n, max: 10n ** BigInt(AMOUNT_INTEGER_DIGITS_MAX + currency.scale) - 1n }),
    ),
  );

describe('seeded currencies', () => {
  it('given the seed list, then USD has scale 2, JPY scale 0 and ETH scale 18', () => {
    expect([USD, JPY, ETH]).toEqual([2, 0, 18]);
  });
});

describe('decimalPlaces', () => {
  it.each([
    ['100', 0],
    ['1.5', 1],
    ['1.50', 2],
    ['100.000000', 6],
    ['0.000000000000000001', 18],
  ])('given "%s", then it counts %i written decimals, trailing zeros included', (amount, places) => {
    expect(decimalPlaces(amount)).toBe(places);
  });
});

describe('toMinorUnits', () => {
  it('given "100.00" in USD, then it returns 10000n minor units at scale 2', () => {
    expect(toMinorUnits('100.00', USD)).toEqual({ ok: true, minor: 10000n, scale: 2 });
  });

  it('given fewer decimals than the scale ("1.5" in USD), then it pads the fraction to 150n', () => {
    expect(toMinorUnits('1.5', USD)).toEqual({ ok: true, minor: 150n, scale: 2 });
  });

  it('given "0.01" in USD, then it returns the smallest unit 1n', () => {
    expect(toMinorUnits('0.01', USD)).toEqual({ ok: true, minor: 1n, scale: 2 });
  });

  it('given "1.001" in USD (3 decimals > scale 2), then it refuses with AMOUNT.INVALID instead of rounding', () => {
    const result = toMinorUnits('1.001', USD);
    expect(result).toMatchObject({ ok: false, code: 'AMOUNT.INVALID' });
    expect(result.ok ? '' : result.detail).toContain('3 decimals');
  });

  it('given "1.009" in USD, then it refuses rather than rounding up to 1.01', () => {
    expect(toMinorUnits('1.009', USD)).toMatchObject({ ok: false, code: 'AMOUNT.INVALID' });
  });

  it.each([
    '-5',
    'abc',
    '1e3',
    '01.5',
    '1.',
    '.5',
    '',
    ' 1.00',
    '1.00 ',
    '+1',
    '1,00',
    '0x10',
    '1.2.3',
    'NaN',
    'Infinity',
  ])('given the malformed amount "%s", then it refuses with AMOUNT.INVALID', (amount) => {
    expect(toMinorUnits(amount, USD)).toMatchObject({ ok: false, code: 'AMOUNT.INVALID' });
  });

  it.each(['0', '0.0', '0.00'])(
    'given the zero amount "%s", then it refuses with AMOUNT.INVALID',
    (amount) => {
      const result = toMinorUnits(amount, USD);
      expect(result).toMatchObject({ ok: false, code: 'AMOUNT.INVALID' });
      expect(result.ok ? '' : result.detail).toContain('greater than zero');
    },
  );

  it('given "5" in JPY (scale 0), then it returns 5n', () => {
    expect(toMinorUnits('5', JPY)).toEqual({ ok: true, minor: 5n, scale: 0 });
  });

  it('given "5.0" in JPY (1 decimal > scale 0), then it refuses with AMOUNT.INVALID', () => {
    expect(toMinorUnits('5.0', JPY)).toMatchObject({ ok: false, code: 'AMOUNT.INVALID' });
  });

  it('given "0.000000000000000001" in ETH (scale 18), then it returns exactly 1n', () => {
    expect(toMinorUnits('0.000000000000000001', ETH)).toEqual({ ok: true, minor: 1n, scale: 18 });
  });

  it('given "1.5" in ETH, then it returns 1.5 * 10^18 exactly, beyond Number precision', () => {
    expect(toMinorUnits('1.5', ETH)).toEqual({ ok: true, minor: 1_500_000_000_000_000_000n, scale: 18 });
  });

  it('given 19 decimals in ETH, then it refuses with AMOUNT.INVALID', () => {
    expect(toMinorUnits('0.0000000000000000001', ETH)).toMatchObject({ ok: false, code: 'AMOUNT.INVALID' });
  });

  it('given the maximum 18 whole digits, then it is accepted exactly', () => {
    const whole = '9'.repeat(AMOUNT_INTEGER_DIGITS_MAX);
    expect(toMinorUnits(whole, USD)).toEqual({ ok: true, minor: BigInt(whole) * 100n, scale: 2 });
    expect(toMinorUnits(`${whole}.99`, USD)).toEqual({ ok: true, minor: BigInt(`${whole}99`), scale: 2 });
    expect(toMinorUnits(`${whole}.${'9'.repeat(18)}`, ETH)).toEqual({
      ok: true,
      minor: 10n ** 36n - 1n,
      scale: 18,
    });
  });

  it('given 19 whole digits, then it refuses with AMOUNT.INVALID', () => {
    expect(toMinorUnits(`1${'0'.repeat(AMOUNT_INTEGER_DIGITS_MAX)}`, USD)).toMatchObject({
      ok: false,
      code: 'AMOUNT.INVALID',
    });
    expect(toMinorUnits(`${'9'.repeat(AMOUNT_INTEGER_DIGITS_MAX + 1)}.00`, USD)).toMatchObject({
      ok: false,
      code: 'AMOUNT.INVALID',
    });
  });
});

describe('formatMinorUnits', () => {
  it('given 10000n at scale 2, then it writes "100.00"', () => {
    expect(formatMinorUnits(10000n, 2)).toBe('100.00');
  });

  it('given a negative balance -10000n at scale 2, then it writes "-100.00"', () => {
    expect(formatMinorUnits(-10000n, 2)).toBe('-100.00');
  });

  it('given values smaller than one unit, then it writes a leading zero and keeps the sign', () => {
    expect(formatMinorUnits(5n, 2)).toBe('0.05');
    expect(formatMinorUnits(-5n, 2)).toBe('-0.05');
    expect(formatMinorUnits(-1n, 18)).toBe('-0.000000000000000001');
  });

  it('given zero, then it writes zero with the scale decimals and no sign', () => {
    expect(formatMinorUnits(0n, 2)).toBe('0.00');
    expect(formatMinorUnits(0n, 0)).toBe('0');
  });

  it('given scale 0, then it writes no decimal point', () => {
    expect(formatMinorUnits(5n, 0)).toBe('5');
    expect(formatMinorUnits(-1234n, 0)).toBe('-1234');
  });

  it('given a value beyond Number.MAX_SAFE_INTEGER, then it writes every digit exactly', () => {
    expect(formatMinorUnits(123_456_789_012_345_678_901_234_567n, 18)).toBe('123456789.012345678901234567');
  });

  it('property: for every seeded scale and positive minor amount, toMinorUnits(formatMinorUnits(m)) round-trips', () => {
    fc.assert(
      fc.property(scaleAndPositiveMinor, ([scale, minor]) => {
        expect(toMinorUnits(formatMinorUnits(minor, scale), scale)).toEqual({ ok: true, minor, scale });
      }),
      { numRuns: 2000 },
    );
  });

  it('property: for every bigint and scale, the output is plain notation with exactly `scale` decimals', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }),
        fc.integer({ min: 0, max: 18 }),
        (minor, scale) => {
          const text = formatMinorUnits(minor, scale);
          expect(text).toMatch(PLAIN_DECIMAL);
          expect(text).not.toMatch(/e/i);
          expect(decimalPlaces(text)).toBe(scale);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('formatDecimal', () => {
  it('given "100.000000" (a NUMERIC with extra trailing zeros) at scale 2, then it returns "100.00"', () => {
    expect(formatDecimal('100.000000', 2)).toBe('100.00');
  });

  it('given fewer decimals than the scale, then it pads with zeros', () => {
    expect(formatDecimal('7', 2)).toBe('7.00');
    expect(formatDecimal('-1.5', 2)).toBe('-1.50');
  });

  it('given "1.005" at scale 2, then it throws instead of dropping the non-zero digit', () => {
    expect(() => formatDecimal('1.005', 2)).toThrow(/more than 2/);
  });

  it('given "5.0" at scale 0, then it returns "5"', () => {
    expect(formatDecimal('5.0', 0)).toBe('5');
  });

  it('given one wei at scale 18, then it writes plain notation, not "1e-18"', () => {
    expect(formatDecimal('0.000000000000000001', 18)).toBe('0.000000000000000001');
  });

  it('given 36 significant digits, then it keeps every digit (no rounding to Decimal precision)', () => {
    const value = `${'9'.repeat(18)}.${'9'.repeat(18)}`;
    expect(formatDecimal(value, 18)).toBe(value);
  });

  it('property: normalising a formatted amount carrying extra trailing zeros gives the canonical form back', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 18 }),
        fc.bigInt({ min: -(10n ** 36n), max: 10n ** 36n }),
        fc.integer({ min: 0, max: 6 }),
        (scale, minor, extraZeros) => {
          const canonical = formatMinorUnits(minor, scale);
          const padded =
            extraZeros === 0 ? canonical : `${canonical}${scale === 0 ? '.' : ''}${'0'.repeat(extraZeros)}`;
          const text = formatDecimal(padded, scale);
          expect(text).toBe(canonical);
          expect(text).not.toMatch(/e/i);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('AmountSchema', () => {
  it.each(['100.00', '1', '0.01', '1.001', '0.000000000000000001', '9'.repeat(18)])(
    'given the well-formed amount "%s", then it accepts it (scale is checked per currency elsewhere)',
    (amount) => {
      expect(AmountSchema.safeParse(amount).success).toBe(true);
    },
  );

  it.each(['-5', '-1', 'abc', '1e3', '01.5', '1.', '.5', '', '1'.repeat(19), '0.0000000000000000001'])(
    'given the malformed amount "%s", then it refuses it',
    (amount) => {
      expect(AmountSchema.safeParse(amount).success).toBe(false);
    },
  );

  it('given a number instead of a string, then it refuses it (no floating point amounts on the wire)', () => {
    expect(AmountSchema.safeParse(100).success).toBe(false);
  });
});

describe('zero and non-finite values', () => {
  it.each(['0', '0.00', '0.000000'])('AmountSchema refuses the zero amount "%s"', (amount) => {
    expect(AmountSchema.safeParse(amount).success).toBe(false);
  });

  it.each(['NaN', 'Infinity', '-Infinity'])('formatDecimal refuses "%s"', (value) => {
    expect(() => formatDecimal(value, 2)).toThrow(/finite/);
  });
});

describe('parseAmount with rules', () => {
  it('given a signed limit "-50.00" in USD, then it returns -5000n', () => {
    expect(parseAmount('-50.00', USD, { signed: true })).toEqual({ ok: true, minor: -5000n, scale: 2 });
  });

  it('given zero and a rule allowing it, then it returns 0n; without the rule it refuses', () => {
    expect(parseAmount('0.00', USD, { zero: true })).toEqual({ ok: true, minor: 0n, scale: 2 });
    expect(parseAmount('-0', USD, { signed: true, zero: true })).toEqual({ ok: true, minor: 0n, scale: 2 });
    expect(parseAmount('0.00', USD)).toMatchObject({ ok: false, code: 'AMOUNT.INVALID' });
  });

  it('given a signed amount with more decimals than the scale, then it refuses with the count', () => {
    expect(parseAmount('-1.000', USD, { signed: true })).toEqual({
      ok: false,
      code: 'AMOUNT.INVALID',
      detail: '"-1.000" has 3 decimals; the currency allows 2',
    });
  });

  it('given a malformed signed amount, then the detail says it is not a decimal string', () => {
    expect(parseAmount('- 5', USD, { signed: true })).toEqual({
      ok: false,
      code: 'AMOUNT.INVALID',
      detail: '"- 5" is not a decimal string',
    });
  });
});

describe('toMinor (stored and streamed values)', () => {
  it.each([
    ['-12.30', 2, -1230n],
    ['5', 2, 500n],
    ['0.000', 2, 0n],
    ['100.000000', 2, 10000n],
    ['7', 0, 7n],
    ['123456789012345678901234567890.5', 1, 1234567890123456789012345678905n],
  ])('reads %s at scale %i as %s', (value, scale, minor) => {
    expect(toMinor(value, scale)).toBe(minor);
  });

  it('refuses a digit beyond the scale instead of rounding, and what is not a decimal', () => {
    expect(() => toMinor('1.005', 2)).toThrow(/more than 2 significant decimals/);
    expect(() => toMinor('1e3', 2)).toThrow(/not a finite decimal/);
    expect(() => toMinor('', 2)).toThrow(/not a finite decimal/);
  });

  it('normalises to the scale with formatDecimal', () => {
    expect(formatDecimal('-5', 2)).toBe('-5.00');
    expect(formatDecimal('0.50000', 2)).toBe('0.50');
    expect(formatDecimal('-0.000', 2)).toBe('0.00');
  });
});

describe('amountPattern', () => {
  it('given a scale limit of 8, then it accepts plain decimals with up to 8 decimals only', () => {
    const pattern = amountPattern({ scaleMax: 8 });
    for (const good of ['0.01', '7', '1500.00', '12.12345678']) expect(good).toMatch(pattern);
    for (const bad of ['', '-1', '+1', '1e3', '01.00', '1.', '.5', '1.123456789', '1,00']) {
      expect(bad).not.toMatch(pattern);
    }
  });

  it('given signed, then it accepts a leading minus and nothing else new', () => {
    const pattern = amountPattern({ signed: true });
    expect('-50.00').toMatch(pattern);
    expect('+50.00').not.toMatch(pattern);
    expect('--5').not.toMatch(pattern);
  });
});

describe('canonical form, comparison and arithmetic', () => {
  it('ignores trailing zeros when comparing, canonicalising and reading the fraction', () => {
    expect(canonicalDecimal('10.50')).toBe('10.5');
    expect(canonicalDecimal('7.00')).toBe('7');
    expect(canonicalDecimal('-0.00')).toBe('0');
    expect(significantFraction('10.660')).toBe('66');
    expect(significantFraction('10')).toBe('');
    expect(compareDecimal('10.50', '10.5')).toBe(0);
    expect(compareDecimal('-1', '0.01')).toBe(-1);
  });

  it('adds, subtracts and multiplies exactly beyond the 20 digits decimal.js keeps by default', () => {
    const big = `${'9'.repeat(18)}.${'9'.repeat(18)}`;
    expect(addDecimal(big, '0.000000000000000001')).toBe(`1${'0'.repeat(18)}`);
    expect(subtractDecimal('0.1', '0.3')).toBe('-0.2');
    expect(multiplyDecimal('123456789012345678.99999999', '4')).toBe('493827156049382715.99999996');
  });

  it('truncates towards zero and writes exactly the scale, never "-0.00"', () => {
    expect(truncateDecimal('1.239', 2)).toBe('1.23');
    expect(truncateDecimal('-1.239', 2)).toBe('-1.23');
    expect(truncateDecimal('-0.001', 2)).toBe('0.00');
    expect(truncateDecimal('5', 2)).toBe('5.00');
  });

  it('refuses values that are not plain decimals instead of reading them as decimal.js would', () => {
    expect(() => compareDecimal('1e3', '1000')).toThrow(/not a finite decimal/);
    expect(() => addDecimal('0x10', '1')).toThrow(/not a finite decimal/);
  });

  it('tells a positive decimal from zero, a negative and what is no decimal at all', () => {
    expect(['0.01', '7', '0.00000001'].map(isPositiveDecimal)).toEqual([true, true, true]);
    expect(['0', '0.00', '-1', 'abc', '', '1e3'].map(isPositiveDecimal)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
