import type { Knex } from 'knex';

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
