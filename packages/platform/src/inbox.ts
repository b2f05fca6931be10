import type { Knex } from 'knex';
import { runStatement, statement } from './db';

/**
 * The inbox records every message a consumer has applied, in the same transaction as its effects. A
 * redelivered message (after a crash between the database commit and the offset commit, or a producer
 * retry) finds its id here and is skipped.
 */
export const INBOX_TABLE = 'inbox';

export async function createInboxTable(knex: Knex): Promise<void> {
  await knex.schema.createTable(INBOX_TABLE, (t) => {
    t.uuid('message_id').primary();
    t.text('topic').notNullable();
    t.integer('partition').notNullable();
    t.bigInteger('offset').notNullable();
    t.text('type').notNullable();
    t.timestamp('processed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export interface InboxEntry {
  messageId: string;
  type: string;
  topic: string;
  partition: number;
  offset: string;
}

/** Claims a message for processing inside `trx`; false when it was already processed. */
export async function claimInbox(trx: Knex.Transaction, entry: InboxEntry): Promise<boolean> {
  const rows = await trx(INBOX_TABLE)
    .insert({
      message_id: entry.messageId,
      type: entry.type,
      topic: entry.topic,
      partition: entry.partition,
      offset: entry.offset,
    })
    .onConflict('message_id')
    .ignore()
    .returning('message_id');
  return rows.length === 1;
}

const CLAIM_BATCH = statement(
  'inbox_claim_batch',
  `insert into ${INBOX_TABLE} (message_id, type, topic, partition, "offset")
   select * from unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::bigint[])
   on conflict (message_id) do nothing
   returning message_id`,
);

/**
 * Claims a whole batch in one statement: returns the entries not processed before, in their order, each
 * message once (a second copy in the same batch is a duplicate too).
 */
export async function claimInboxBatch<T extends InboxEntry>(
  trx: Knex.Transaction,
  entries: readonly T[],
): Promise<T[]> {
  const firsts = new Map<string, T>();
  for (const e of entries) if (!firsts.has(e.messageId)) firsts.set(e.messageId, e);
  if (firsts.size === 0) return [];
  const claimed = [...firsts.values()];
  const rows = await runStatement<{ message_id: string }>(trx, CLAIM_BATCH, [
    claimed.map((e) => e.messageId),
    claimed.map((e) => e.type),
    claimed.map((e) => e.topic),
    claimed.map((e) => e.partition),
    claimed.map((e) => e.offset),
  ]);
  const fresh = new Set(rows.map((r) => r.message_id));
  return [...firsts.values()].filter((e) => fresh.has(e.messageId));
}
