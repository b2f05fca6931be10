import { formatMoney } from '@billing/client/money';
import { createContext, useContext } from 'react';

/** The scale of each currency code, from GET /api/v1/currencies, loaded once per session. */
export const ScalesContext = createContext<ReadonlyMap<string, number>>(new Map());

/**
 * An amount as the gateway sent it (a decimal string), shown with its currency's scale. Arithmetic, when
 * needed, goes through the client's bigint helpers; an amount never becomes a float here.
 */
export function Money({ amount, currency }: { amount: string; currency: string }) {
  const scales = useContext(ScalesContext);
  const scale = scales.get(currency) ?? decimalsOf(amount);
  const negative = amount.trim().startsWith('-');
  return (
    <span className={negative ? 'money negative' : 'money'}>{formatMoney(amount, currency, scale)}</span>
  );
}

function decimalsOf(amount: string): number {
  return amount.split('.')[1]?.length ?? 0;
}

export function useScale(currency: string): number {
  return useContext(ScalesContext).get(currency) ?? 2;
}
