import { describe, expect, it } from 'vitest';
import { atScale, toMinor } from './minor-units';

describe('minor units', () => {
  it.each([
    ['-12.30', 2, -1230n],
    ['5', 2, 500n],
    ['0.000', 2, 0n],
    ['100.000000', 2, 10000n],
    ['7', 0, 7n],
  ])('reads %s at scale %i as %s', (value, scale, minor) => {
    expect(toMinor(value, scale)).toBe(minor);
  });

  it('refuses a digit beyond the scale instead of rounding, and what is not a decimal', () => {
    expect(() => toMinor('1.005', 2)).toThrow(/decimals/);
    expect(() => toMinor('1e3', 2)).toThrow(/decimal/);
  });

  it('normalises to the scale', () => {
    expect(atScale('-5', 2)).toBe('-5.00');
    expect(atScale('0.50000', 2)).toBe('0.50');
  });
});
