import type { Actor, Envelope } from '@billing/contracts/envelope';
import type { HybridLogicalClock } from '@billing/contracts/hlc';
import { runStatement, statement, type Knex } from '@billing/platform/db';

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

const APPEND_EVENT = statement(
  'ledger_append_event',
  `insert into events (stream_id, version, type, data, message_id, hlc, occurred_at)
   values ($1::uuid, $2::int, $3::text, $4::jsonb, $5::uuid, $6::text, $7::timestamptz)`,
);

/** Appends one event to an account's stream; the unique (stream, version) refuses a lost update. */
export async function appendEvent(
  trx: Knex.Transaction,
  streamId: string,
  version: number,
  event: Envelope,
): Promise<void> {
  await runStatement(trx, APPEND_EVENT, [
    streamId,
    version,
    event.type,
    JSON.stringify(event.data),
    event.messageId,
    event.hlc,
    event.occurredAt,
  ]);
}
