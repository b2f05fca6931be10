/**
 * Money for display and sums in clients, on decimal strings and bigint minor units only: an amount is
 * never a float here (0.1 + 0.2 is not 0.3 in binary floating point). The gateway sends amounts as
 * decimal strings; a currency's scale says how many decimal places it has.
 */

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/** The amount in minor units at the given scale; refuses more decimal places than the scale allows. */
export function toMinor(amount: string, scale: number): bigint {
  const match = DECIMAL.exec(amount.trim());
  if (!match) throw new Error(`not a decimal amount: ${amount}`);
  const [, sign, whole, fraction = ''] = match;
  const significant = fraction.replace(/0+$/, '');
  if (significant.length > scale) throw new Error(`${amount} has more than ${scale} decimal places`);
  const minor = BigInt(`${whole}${fraction.padEnd(scale, '0').slice(0, scale)}`);
  return sign ? -minor : minor;
}

/** Minor units as a decimal string with exactly `scale` places ("-12.50"). */
export function fromMinor(minor: bigint, scale: number): string {
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = scale > 0 ? `.${digits.slice(digits.length - scale)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** The amount with the currency's scale and thousands separators: "1,234.50 USD". */
export function formatMoney(amount: string, currency: string, scale: number): string {
  const text = fromMinor(toMinor(amount, scale), scale);
  const negative = text.startsWith('-');
  const [whole = '0', fraction] = (negative ? text.slice(1) : text).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${grouped}${fraction === undefined ? '' : `.${fraction}`} ${currency}`;
}

/** a + b, exactly, at the given scale. */
export function addAmounts(a: string, b: string, scale: number): string {
  return fromMinor(toMinor(a, scale) + toMinor(b, scale), scale);
}

/** True when the amount is zero, at any number of decimal places. */
export function isZeroAmount(amount: string): boolean {
  return /^-?0*(\.0*)?$/.test(amount.trim()) && /\d/.test(amount);
}
