import { Decimal } from 'decimal.js';
import { z } from 'zod';

/**
 * Money is an exact decimal string on the wire and a bigint count of minor units in code.
 * No floating point number ever holds an amount: parsing goes from the string straight to a bigint.
 */

export type CurrencyKind = 'fiat' | 'crypto' | 'points';

export interface CurrencyDefinition {
  code: string;
  scale: number;
  kind: CurrencyKind;
}

/** The currencies every ledger starts with. The ledger may learn more at run time (admin command). */
export const SEEDED_CURRENCIES: readonly CurrencyDefinition[] = [
  { code: 'USD', scale: 2, kind: 'fiat' },
  { code: 'EUR', scale: 2, kind: 'fiat' },
  { code: 'GBP', scale: 2, kind: 'fiat' },
  { code: 'JPY', scale: 0, kind: 'fiat' },
  { code: 'BTC', scale: 8, kind: 'crypto' },
  { code: 'ETH', scale: 18, kind: 'crypto' },
  { code: 'POINTS', scale: 0, kind: 'points' },
];

const seededByCode = new Map(SEEDED_CURRENCIES.map((c) => [c.code, c]));

export function findSeededCurrency(code: string): CurrencyDefinition | undefined {
  return seededByCode.get(code);
}

/** Whole-unit digits allowed in one amount; beyond this an amount is refused as too large. */
export const AMOUNT_INTEGER_DIGITS_MAX = 18;
export const SCALE_MAX = 18;

export const CurrencyCodeSchema = z
  .string()
  .regex(/^[A-Z][A-Z0-9]{2,9}$/, 'currency must be 3-10 upper-case letters or digits, e.g. "USD"');

/** A decimal of zero or more in plain notation: no sign, no exponent, no leading zeros, no trailing dot. */
const DECIMAL_PATTERN = new RegExp(
  `^(0|[1-9][0-9]{0,${AMOUNT_INTEGER_DIGITS_MAX - 1}})(\\.[0-9]{1,${SCALE_MAX}})?$`,
);

export const AmountSchema = z
  .string()
  .regex(
    DECIMAL_PATTERN,
    `amount must be a positive decimal string such as "100.00" with at most ${AMOUNT_INTEGER_DIGITS_MAX} whole digits`,
  )
  .refine((v) => /[1-9]/.test(v), 'amount must be greater than zero');

/** A signed decimal string, used for balances which may be negative on EXTERNAL and SYSTEM accounts. */
export const SignedAmountSchema = z
  .string()
  .regex(/^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/, 'must be a decimal string');

export type MoneyError =
  { code: 'AMOUNT.INVALID'; detail: string } | { code: 'CURRENCY.UNKNOWN'; detail: string };

export type MoneyResult = { ok: true; minor: bigint; scale: number } | ({ ok: false } & MoneyError);

/** Decimal places written in a decimal string ("1.50" has 2), trailing zeros included. */
export function decimalPlaces(amount: string): number {
  const dot = amount.indexOf('.');
  return dot === -1 ? 0 : amount.length - dot - 1;
}

/**
 * Turns a wire amount into minor units of the currency. More decimals than the currency's scale is an
 * error, never a rounding; zero is refused because no money movement moves nothing.
 */
export function toMinorUnits(amount: string, scale: number): MoneyResult {
  if (!DECIMAL_PATTERN.test(amount)) {
    return { ok: false, code: 'AMOUNT.INVALID', detail: `"${amount}" is not a positive decimal string` };
  }
  const places = decimalPlaces(amount);
  if (places > scale) {
    return {
      ok: false,
      code: 'AMOUNT.INVALID',
      detail: `"${amount}" has ${places} decimals; the currency allows ${scale}`,
    };
  }
  const [whole = '0', fraction = ''] = amount.split('.');
  const minor = BigInt(whole + fraction.padEnd(scale, '0'));
  if (minor === 0n) {
    return { ok: false, code: 'AMOUNT.INVALID', detail: 'amount must be greater than zero' };
  }
  return { ok: true, minor, scale };
}

/** Writes minor units back as a decimal string with exactly `scale` decimals ("-100.00"). */
export function formatMinorUnits(minor: bigint, scale: number): string {
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale);
  const body = scale === 0 ? whole : `${whole}.${fraction}`;
  return negative ? `-${body}` : body;
}

/**
 * Normalises any exact decimal string (for example a NUMERIC read back from PostgreSQL, which may carry
 * more trailing zeros) to the currency's scale. Refuses to drop a non-zero digit.
 */
export function formatDecimal(value: string, scale: number): string {
  const d = new Decimal(value);
  if (!d.isFinite()) throw new Error(`${value} is not a finite amount`);
  if (d.decimalPlaces() > scale) {
    throw new Error(`${value} has more than ${scale} significant decimals`);
  }
  return d.toFixed(scale);
}
