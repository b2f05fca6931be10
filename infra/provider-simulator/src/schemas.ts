import { amountPattern, isPositiveDecimal } from '@billing/contracts/money';
import { z } from 'zod';
import { RequestError } from './json-http';

/** Both providers key idempotency on the client's reference, so both hold it to the same bounds. */
export const referenceSchema = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(128, 'must be at most 128 characters');

/**
 * Providers take amounts with up to 8 decimals (BTC's scale), in plain notation only, so that the
 * simulator's answers (units, refusal rules) never depend on how a client formats a number.
 */
const AMOUNT_SCALE_MAX = 8;

export const amountSchema = z
  .string()
  .regex(amountPattern({ scaleMax: AMOUNT_SCALE_MAX }), 'must be a decimal string such as "1500.00"')
  .refine(isPositiveDecimal, 'must be greater than zero');

export const currencySchema = z.string().min(1, 'must not be empty').max(16, 'must be at most 16 characters');

/**
 * Validates a parsed body and turns every problem into one readable `detail`, because the clients under
 * test log it and a tester reading that log should see which field was wrong without a debugger.
 */
export function parseRequest<Schema extends z.ZodType>(schema: Schema, body: unknown): z.output<Schema> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const detail = result.error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'body'}: ${issue.message}`)
    .join('; ');
  throw new RequestError(400, 'INVALID_REQUEST', detail);
}

/**
 * Decodes the reference taken from a status query's path. A malformed escape is the client's fault and is
 * answered like any other invalid request rather than as a server error.
 */
export function referenceFromPath(segment: string): string {
  let reference: string;
  try {
    reference = decodeURIComponent(segment);
  } catch {
    throw new RequestError(400, 'INVALID_REQUEST', 'reference: is not a valid URL path segment');
  }
  return parseRequest(z.object({ reference: referenceSchema }), { reference }).reference;
}
