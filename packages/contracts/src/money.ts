import { Decimal } from 'decimal.js';
import { z } from 'zod';

/**
 * Money is an exact decimal string on the wire and a bigint count of minor units in code. This module is
 * the only place that reads, checks, compares, adds or writes an amount: no floating point number ever
 * holds one, and no other file splits a decimal string at its dot.
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

/**
 * The plain notation an amount is written in on the wire: no exponent, no leading zeros, no trailing dot,
 * at most `AMOUNT_INTEGER_DIGITS_MAX` whole digits and `scaleMax` decimals; a minus sign only if `signed`.
 */
export function amountPattern(options: { signed?: boolean; scaleMax?: number } = {}): RegExp {
  const sign = options.signed ? '-?' : '';
  const scaleMax = options.scaleMax ?? SCALE_MAX;
  return new RegExp(`^${sign}(0|[1-9][0-9]{0,${AMOUNT_INTEGER_DIGITS_MAX - 1}})(\\.[0-9]{1,${scaleMax}})?$`);
}

const POSITIVE_PATTERN = amountPattern();
const SIGNED_PATTERN = amountPattern({ signed: true });

/** Any exact decimal in plain notation, of any size: what PostgreSQL writes for a NUMERIC. */
const PLAIN_DECIMAL = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

/**
 * Whether a value is a decimal above zero. False, rather than an error, for what is not a decimal at all:
 * zod runs a refinement even after the pattern failed, and that input has its issue already.
 */
export function isPositiveDecimal(value: string): boolean {
  return PLAIN_DECIMAL.test(value) && !value.startsWith('-') && /[1-9]/.test(value);
}

export const AmountSchema = z
  .string()
  .regex(
    POSITIVE_PATTERN,
    `amount must be a positive decimal string such as "100.00" with at most ${AMOUNT_INTEGER_DIGITS_MAX} whole digits`,
  )
  .refine(isPositiveDecimal, 'amount must be greater than zero');

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

/** What may be parsed beyond a positive amount: a sign (balance limits) and zero (no limit headroom). */
export interface AmountRules {
  signed?: boolean;
  zero?: boolean;
}

/**
 * Turns an amount from the wire into minor units of the currency. More decimals than the currency's scale
 * is an error, never a rounding, and trailing zeros count ("5.0" is not a JPY amount). Zero is refused
 * unless the rules allow it, because no money movement moves nothing.
 */
export function parseAmount(amount: string, scale: number, rules: AmountRules = {}): MoneyResult {
  if (!(rules.signed ? SIGNED_PATTERN : POSITIVE_PATTERN).test(amount)) {
    const kind = rules.signed ? 'decimal string' : 'positive decimal string';
    return { ok: false, code: 'AMOUNT.INVALID', detail: `"${amount}" is not a ${kind}` };
  }
  const places = decimalPlaces(amount);
  if (places > scale) {
    return {
      ok: false,
      code: 'AMOUNT.INVALID',
      detail: `"${amount}" has ${places} decimals; the currency allows ${scale}`,
    };
  }
  const minor = toMinor(amount, scale);
  if (minor === 0n && !rules.zero) {
    return { ok: false, code: 'AMOUNT.INVALID', detail: 'amount must be greater than zero' };
  }
  return { ok: true, minor, scale };
}

/** A positive amount in minor units: what every money movement carries. */
export function toMinorUnits(amount: string, scale: number): MoneyResult {
  return parseAmount(amount, scale);
}

/**
 * Reads any exact decimal (a NUMERIC read back from PostgreSQL, a balance from an event) as minor units
 * at `scale`. Trailing zeros beyond the scale are fine; a non-zero digit beyond it throws, because
 * dropping it would lose money. The digits are moved, not computed, so this stays exact at any size and
 * cheap enough for the ledger's and the projection's per-row hot paths.
 */
export function toMinor(value: string, scale: number): bigint {
  const match = PLAIN_DECIMAL.exec(value);
  if (!match) throw new Error(`"${value}" is not a finite decimal in plain notation`);
  const [, sign, whole = '0', fraction = ''] = match;
  if (/[1-9]/.test(fraction.slice(scale))) {
    throw new Error(`"${value}" has more than ${scale} significant decimals`);
  }
  const minor = BigInt(whole + fraction.slice(0, scale).padEnd(scale, '0'));
  return sign === '-' ? -minor : minor;
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

/** Normalises any exact decimal to the currency's scale ("5" -> "5.00"); refuses to drop a non-zero digit. */
export function formatDecimal(value: string, scale: number): string {
  return formatMinorUnits(toMinor(value, scale), scale);
}

/**
 * decimal.js rounds the result of every operation to `precision` significant digits (20 by default), and
 * writes exponents from 21 digits on. This copy keeps far more digits than any balance can have and never
 * writes an exponent, so sums and products below are exact.
 */
const Exact = Decimal.clone({
  precision: 1_000,
  rounding: Decimal.ROUND_DOWN,
  toExpNeg: -9e15,
  toExpPos: 9e15,
});

function exact(value: string): Decimal {
  if (!PLAIN_DECIMAL.test(value)) throw new Error(`"${value}" is not a finite decimal in plain notation`);
  return new Exact(value);
}

/** One spelling per value, without trailing fractional zeros: "10.50" -> "10.5", "7.00" -> "7", "-0" -> "0". */
export function canonicalDecimal(value: string): string {
  return exact(value).toString();
}

/** The fraction's digits without trailing zeros ("10.660" -> "66", "7.00" -> ""). */
export function significantFraction(value: string): string {
  return canonicalDecimal(value).split('.')[1] ?? '';
}

/** -1, 0 or 1 as `a` is below, equal to or above `b`, whatever trailing zeros either is written with. */
export function compareDecimal(a: string, b: string): -1 | 0 | 1 {
  return exact(a).comparedTo(exact(b)) as -1 | 0 | 1;
}

/** The exact sum, in canonical form. */
export function addDecimal(a: string, b: string): string {
  return exact(a).plus(exact(b)).toString();
}

/** The exact difference `a - b`, in canonical form. */
export function subtractDecimal(a: string, b: string): string {
  return exact(a).minus(exact(b)).toString();
}

/** The exact product, in canonical form (a tariff, a fee rate). */
export function multiplyDecimal(a: string, b: string): string {
  return exact(a).times(exact(b)).toString();
}

/** Cuts a value to `scale` decimals towards zero, written with exactly `scale` decimals ("1.239" -> "1.23"). */
export function truncateDecimal(value: string, scale: number): string {
  // Through minor units, so that a negative value cut to zero is written "0.00", never "-0.00".
  return formatDecimal(exact(value).toDecimalPlaces(scale, Decimal.ROUND_DOWN).toFixed(scale), scale);
}
