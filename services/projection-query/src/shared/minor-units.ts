import { formatMinorUnits } from '@billing/contracts/money';

const SIGNED_DECIMAL = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

/**
 * Reads a signed decimal string ("-12.30", or a NUMERIC read back from PostgreSQL) as minor units at
 * `scale`. Trailing zeros beyond the scale are accepted; a non-zero digit beyond it is an error, never a
 * rounding.
 */
export function toMinor(value: string, scale: number): bigint {
  const match = SIGNED_DECIMAL.exec(value);
  if (!match) throw new Error(`"${value}" is not a decimal string`);
  const [, sign = '', whole = '0', fraction = ''] = match;
  const extra = fraction.slice(scale);
  if (/[1-9]/.test(extra)) throw new Error(`"${value}" has more than ${scale} decimals`);
  const minor = BigInt(whole + fraction.slice(0, scale).padEnd(scale, '0'));
  return sign === '-' ? -minor : minor;
}

/** Normalises a decimal string to exactly `scale` decimals ("5" -> "5.00"). */
export function atScale(value: string, scale: number): string {
  return formatMinorUnits(toMinor(value, scale), scale);
}

export { formatMinorUnits };
