import { describe, expect, it } from 'vitest';
import { unitsFor } from './tariff';

describe('tariff', () => {
  it('converts an amount to units at the flat tariff, rounding down to hundredths', () => {
    expect(unitsFor('10.00')).toBe('40.00');
    expect(unitsFor('0.01')).toBe('0.04');
    expect(unitsFor('0.001')).toBe('0.00');
    expect(unitsFor('123456789012345678.99999999')).toBe('493827156049382715.99');
  });
});
