import { describe, expect, it } from 'vitest';
import { addAmounts, formatMoney, fromMinor, isZeroAmount, toMinor } from './money.js';

describe('client money helpers', () => {
  it('adds amounts exactly where floats would not', () => {
    expect(addAmounts('0.1', '0.2', 2)).toBe('0.30');
    expect(addAmounts('999999999999999999.99', '0.01', 2)).toBe('1000000000000000000.00');
  });

  it('shows an amount with the currency scale and grouped thousands', () => {
    expect(formatMoney('1234.5', 'USD', 2)).toBe('1,234.50 USD');
    expect(formatMoney('-0.5', 'EUR', 2)).toBe('-0.50 EUR');
    expect(formatMoney('1500', 'JPY', 0)).toBe('1,500 JPY');
    expect(formatMoney('0.00000001', 'BTC', 8)).toBe('0.00000001 BTC');
  });

  it('refuses more decimal places than the scale and anything that is not a decimal', () => {
    expect(() => toMinor('1.005', 2)).toThrow('more than 2 decimal places');
    expect(() => toMinor('1e3', 2)).toThrow('not a decimal amount');
    expect(toMinor('1.500', 2)).toBe(150n);
  });

  it('round-trips minor units and recognises zero', () => {
    expect(fromMinor(-5n, 2)).toBe('-0.05');
    expect(isZeroAmount('0.00')).toBe(true);
    expect(isZeroAmount('-0')).toBe(true);
    expect(isZeroAmount('0.01')).toBe(false);
  });
});
