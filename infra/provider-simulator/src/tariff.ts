import { multiplyDecimal, truncateDecimal } from '@billing/contracts/money';

/** Units the simulated utility sells per unit of currency; a flat tariff keeps the expected units obvious. */
const UNITS_PER_CURRENCY_UNIT = '4';

/** The electricity units (kWh, two decimals, rounded down as a utility would) that an amount buys. */
export function unitsFor(amount: string): string {
  return truncateDecimal(multiplyDecimal(amount, UNITS_PER_CURRENCY_UNIT), 2);
}
