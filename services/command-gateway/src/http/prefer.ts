import { ProblemError } from './problem';

export const PREFER_WAIT_MAX_SECONDS = 30;

/**
 * Reads `Prefer: wait=N` (RFC 7240): the client would rather wait up to N seconds for the final outcome
 * than receive 202 at once. Returns milliseconds, or 0 without the preference.
 */
export function preferredWaitMs(header: string | string[] | undefined): number {
  if (header === undefined) return 0;
  const text = Array.isArray(header) ? header.join(',') : header;
  const match = /(?:^|[,;\s])wait\s*=\s*"?(\d+)"?/i.exec(text);
  if (!match) return 0;
  const seconds = Number(match[1]);
  if (seconds > PREFER_WAIT_MAX_SECONDS) {
    throw new ProblemError(
      400,
      'REQUEST.INVALID',
      `Prefer: wait may be at most ${PREFER_WAIT_MAX_SECONDS} seconds`,
    );
  }
  return seconds * 1000;
}
