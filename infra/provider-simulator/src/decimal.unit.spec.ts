import { describe, expect, it } from 'vitest';
import { canonicalAmount, DECIMAL_PATTERN, isPositive, significantFraction, unitsFor } from './decimal';

describe('decimal amounts', () => {
  it('accepts plain decimal strings only', () => {
    for (const good of ['0.01', '7', '1500.00', '12.12345678']) expect(good).toMatch(DECIMAL_PATTERN);
    for (const bad of ['', '-1', '+1', '1e3', '01.00', '1.', '.5', '1.123456789', '1,00']) {
      expect(bad).not.toMatch(DECIMAL_PATTERN);
    }
  });

  it('ignores trailing zeros when comparing and when reading the fraction', () => {
    expect(canonicalAmount('10.50')).toBe('10.5');
    expect(canonicalAmount('7.00')).toBe('7');
    expect(significantFraction('10.660')).toBe('66');
    expect(significantFraction('10')).toBe('');
    expect(isPositive('0.00')).toBe(false);
    expect(isPositive('0.00000001')).toBe(true);
  });

  it('converts an amount to units at the flat tariff, rounding down to hundredths', () => {
    expect(unitsFor('10.00')).toBe('40.00');
    expect(unitsFor('0.01')).toBe('0.04');
    expect(unitsFor('0.001')).toBe('0.00');
    expect(unitsFor('123456789012345678.99999999')).toBe('493827156049382715.99');
  });
});
