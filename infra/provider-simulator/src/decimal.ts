/**
 * Decimal amounts as the providers receive them: plain digits with an optional fraction, no sign, no
 * exponent, no leading zeros. Money never passes through floating point here, because the simulator's
 * answers (units, refusal rules) must not depend on binary rounding.
 */
export const DECIMAL_PATTERN = /^(0|[1-9]\d{0,17})(\.\d{1,8})?$/;

const SCALE_DIGITS = 8;
const SCALE = 10n ** BigInt(SCALE_DIGITS);

/** The amount times 10^8 as an integer; the caller must have checked it against DECIMAL_PATTERN. */
function toScaled(amount: string): bigint {
  const [whole = '0', fraction = ''] = amount.split('.');
  return BigInt(whole) * SCALE + BigInt(fraction.padEnd(SCALE_DIGITS, '0'));
}

export function isPositive(amount: string): boolean {
  return toScaled(amount) > 0n;
}

/**
 * The fraction without trailing zeros, so that "10.66" and "10.660" trigger the same payout rule: a client
 * that formats amounts differently must not silently fall out of a scenario.
 */
export function significantFraction(amount: string): string {
  const fraction = amount.split('.')[1] ?? '';
  return fraction.replace(/0+$/, '');
}

/**
 * A canonical spelling ("10.50" → "10.5", "7.00" → "7") used to compare a repeated request with the recorded
 * one, so that a retry that only re-formats the amount is not mistaken for a different request.
 */
export function canonicalAmount(amount: string): string {
  const whole = amount.split('.')[0] ?? '0';
  const fraction = significantFraction(amount);
  return fraction === '' ? whole : `${whole}.${fraction}`;
}

/** Units the simulated utility sells per unit of currency; a flat tariff keeps the expected units obvious. */
const UNITS_PER_CURRENCY_UNIT = 4n;

/** The electricity units (kWh, two decimals, rounded down as a utility would) that an amount buys. */
export function unitsFor(amount: string): string {
  const hundredths = (toScaled(amount) * UNITS_PER_CURRENCY_UNIT) / 10n ** BigInt(SCALE_DIGITS - 2);
  const whole = hundredths / 100n;
  const cents = (hundredths % 100n).toString().padStart(2, '0');
  return `${whole}.${cents}`;
}
