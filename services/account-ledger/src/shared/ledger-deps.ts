import type { Actor, Envelope } from '@billing/contracts/envelope';
import type { HybridLogicalClock } from '@billing/contracts/hlc';
import type { Knex } from '@billing/platform/db';

/** What the ledger's message handlers need from the outside world, the clock included. */
export interface LedgerDeps {
  knex: Knex;
  hlc: HybridLogicalClock;
  nowMs: () => number;
  topicPrefix: string;
}

/** Metadata for a message caused by `cause`: same correlation, the cause's id as causation. */
export function metaFrom(deps: LedgerDeps, cause: Envelope, actor: Actor = cause.actor) {
  deps.hlc.observe(cause.hlc);
  return {
    actor,
    hlc: deps.hlc.now(),
    causedBy: { messageId: cause.messageId, correlationId: cause.correlationId },
    nowMs: deps.nowMs(),
  };
}

/** Appends one event to an account's stream; the unique (stream, version) refuses a lost update. */
export async function appendEvent(
  trx: Knex.Transaction,
  streamId: string,
  version: number,
  event: Envelope,
): Promise<void> {
  await trx('events').insert({
    stream_id: streamId,
    version,
    type: event.type,
    data: JSON.stringify(event.data),
    message_id: event.messageId,
    hlc: event.hlc,
    occurred_at: event.occurredAt,
  });
}
