import type { Actor } from '@billing/contracts/envelope';
import type { ErrorCode } from '@billing/contracts/errors';
import type { Knex } from '@billing/platform/db';

/** What answering a query needs. The clock is a parameter, so "stuck" and default ranges are testable. */
export interface QueryContext {
  /**
   * Where the reads of one answer run: a read-only repeatable-read transaction when an answer takes more
   * than one statement, the query pool itself for one statement (the balance reads).
   */
  trx: Knex;
  schema: string;
  nowMs: number;
  stuckAfterMs: number;
}

export type QueryFailure = { ok: false; code: ErrorCode; detail: string };

export const notFound = (what: 'account' | 'transaction', id: string): QueryFailure => ({
  ok: false,
  code: what === 'account' ? 'ACCOUNT.NOT_FOUND' : 'TRANSACTION.NOT_FOUND',
  detail: `${what} ${id} not found`,
});

export const invalid = (detail: string): QueryFailure => ({ ok: false, code: 'REQUEST.INVALID', detail });

export const forbidden = (detail: string): QueryFailure => ({ ok: false, code: 'AUTH.FORBIDDEN', detail });

/** An owner sees only its own accounts; anything else reads as not found, so ids leak nothing. */
export function visibleTo(actor: Actor, ownerIds: readonly string[]): boolean {
  return actor.kind !== 'owner' || ownerIds.includes(actor.id);
}

/** Reports over the whole ledger are for admins (and the platform's own services), never for owners. */
export function privileged(actor: Actor): boolean {
  return actor.kind === 'admin' || actor.kind === 'system';
}
