import { TOPIC_MESSAGES } from '@billing/contracts/catalog';
import { SYSTEM_ACTOR, type Envelope, type MessageDefinition } from '@billing/contracts/envelope';
import { topicName } from '@billing/contracts/topics';
import type { ConsumedMessage } from '@billing/platform/consumer';
import type { Knex } from '@billing/platform/db';
import { claimInbox } from '@billing/platform/inbox';
import { withMessageLogContext } from '@billing/platform/log-context';
import type { Logger } from '@billing/platform/logger';
import { appendToOutbox, OUTBOX_CHANNEL, OUTBOX_TABLE, type OutboxMessage } from '@billing/platform/outbox';
import type { z } from 'zod';
import type { LedgerDeps } from '../shared/ledger-deps';
import { decideRepublish, type RepublishLimits } from './republish.decide';

export const REPUBLISHES_TABLE = 'republishes';

export interface RepublishSettings extends RepublishLimits {
  /** Most events one batch of requests republishes. */
  eventsPerBatchMax: number;
}

interface StoredEvent {
  version: number;
  type: string;
  data: unknown;
  message_id: string;
  hlc: string;
  occurred_at: Date;
}

/**
 * Answers the read side's requests for events of an account stream it never received: the events
 * are published again on the ledger events topic, in one transaction with the rate-limit record.
 *
 * A republished event is the original message: its message id, content, HLC stamp and time. While
 * the original outbox row is kept (a day) that row is queued again, byte for byte; after that the
 * envelope is rebuilt from the event store, whose rows keep everything but the correlation and the
 * actor (those become the event's own id and the system). Consumers therefore see a second copy of an
 * event they may already have: the read side drops versions it has applied, the orchestrator's inbox
 * the message ids it has processed.
 */
export async function handleRepairRequests(
  deps: LedgerDeps,
  logger: Logger,
  settings: RepublishSettings,
  batch: ConsumedMessage<'ledgerRepairs'>[],
): Promise<void> {
  const eventsTopic = topicName('ledgerEvents', deps.topicPrefix);
  await deps.knex.transaction(async (trx) => {
    let budget = settings.eventsPerBatchMax;
    const fresh: OutboxMessage[] = [];
    const requeued: string[] = [];
    for (const item of batch) {
      const request = item.message;
      if (!(await claimInbox(trx, { messageId: request.messageId, type: request.type, ...item }))) continue;
      const { accountId } = request.data;
      const recent = await trx(REPUBLISHES_TABLE)
        .where({ stream_id: accountId })
        .first<{ from_version: number; to_version: number; republished_at: Date } | undefined>();
      const decision = decideRepublish(
        request.data,
        recent
          ? {
              fromVersion: recent.from_version,
              toVersion: recent.to_version,
              republishedAtMs: recent.republished_at.getTime(),
            }
          : null,
        deps.nowMs(),
        budget,
        settings,
      );
      if (decision.kind === 'ignore') {
        withMessageLogContext(request, () =>
          logger.info({ accountId, request: request.data }, `republish request ignored: ${decision.reason}`),
        );
        continue;
      }
      const events = await trx('events')
        .where({ stream_id: accountId })
        .whereBetween('version', [decision.fromVersion, decision.toVersion])
        .orderBy('version')
        .select<StoredEvent[]>('version', 'type', 'data', 'message_id', 'hlc', 'occurred_at');
      budget -= events.length;
      const ids = [...new Set(events.map((e) => e.message_id))];
      const kept = new Set(await requeue(trx, ids));
      requeued.push(...kept);
      for (const event of events)
        if (!kept.has(event.message_id) && !fresh.some((m) => m.envelope.messageId === event.message_id))
          fresh.push({ topic: eventsTopic, key: keyOf(accountId, event), envelope: rebuild(event) });
      await trx(REPUBLISHES_TABLE)
        .insert({
          stream_id: accountId,
          from_version: decision.fromVersion,
          to_version: decision.toVersion,
          republished_at: new Date(deps.nowMs()),
        })
        .onConflict('stream_id')
        .merge();
      withMessageLogContext(request, () =>
        logger.warn(
          {
            accountId,
            fromVersion: decision.fromVersion,
            toVersion: decision.toVersion,
            events: events.length,
          },
          `republished ${events.length} events of account ${accountId} (versions ${decision.fromVersion}..${decision.toVersion}) at the read side's request`,
        ),
      );
    }
    // Rows queued again are older than the fresh ones: one pass over the table sends them all in id order.
    await appendToOutbox(trx, fresh, { inTableOrder: requeued.length > 0 });
    if (requeued.length > 0) await trx.raw(`notify ${OUTBOX_CHANNEL}`);
  });
}

/**
 * Queues the kept outbox rows of these messages again, a row the broker once refused included (what
 * made it refuse may have been fixed); returns the ids it found.
 */
async function requeue(trx: Knex.Transaction, messageIds: readonly string[]): Promise<string[]> {
  if (messageIds.length === 0) return [];
  const rows = await trx(OUTBOX_TABLE)
    .whereIn('message_id', messageIds)
    .update({ published_at: null, failed_at: null, attempts: 0, last_error: null, created_at: trx.fn.now() })
    .returning<{ message_id: string }[]>('message_id');
  return rows.map((r) => r.message_id);
}

const LEDGER_EVENTS = TOPIC_MESSAGES.ledgerEvents as readonly MessageDefinition<string, z.ZodType>[];

/** The original message, rebuilt from its event-store row and re-validated against its contract. */
function rebuild(event: StoredEvent): Envelope {
  const definition = LEDGER_EVENTS.find((d) => d.type === event.type);
  if (!definition) throw new Error(`event ${event.message_id} has type ${event.type}, not a ledger event`);
  return definition.schema.parse({
    messageId: event.message_id,
    type: event.type,
    version: definition.version,
    occurredAt: event.occurred_at.toISOString(),
    hlc: event.hlc,
    correlationId: event.message_id,
    causationId: null,
    actor: SYSTEM_ACTOR,
    data: event.data,
  }) as Envelope;
}

/** The key the event was published under: the debited account for an entry, the stream otherwise. */
function keyOf(streamId: string, event: StoredEvent): string {
  if (event.type !== 'EntryPosted') return streamId;
  const postings = (event.data as { postings?: { accountId: string; side: string }[] }).postings ?? [];
  return postings.find((p) => p.side === 'debit')?.accountId ?? streamId;
}
