/** A signed decimal limit in minor units, or undefined when it has more decimals than the scale allows. */
export function parseSignedMinor(value: string, scale: number): bigint | undefined {
  const negative = value.startsWith('-');
  const digits = negative ? value.slice(1) : value;
  const [whole = '0', fraction = ''] = digits.split('.');
  if (fraction.length > scale) return undefined;
  const minor = BigInt(whole + fraction.padEnd(scale, '0'));
  return negative ? -minor : minor;
}
