import type { ErrorCode } from '@billing/contracts/errors';

/** A refusal as a value: the stable code clients branch on, a sentence for people, and figures. */
export interface Rejection {
  kind: 'rejected';
  code: ErrorCode;
  detail: string;
  accountId: string | null;
  context: Record<string, string>;
}

export function reject(
  code: ErrorCode,
  detail: string,
  accountId: string | null = null,
  context: Record<string, string> = {},
): Rejection {
  return { kind: 'rejected', code, detail, accountId, context };
}
