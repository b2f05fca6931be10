import type { Knex, Migration } from '@billing/platform/db';
import { createInboxTable } from '@billing/platform/inbox';

/**
 * Read models. Each row remembers the stream version or event time it reflects, so an event that arrives
 * late (from another partition) never overwrites a newer state.
 */
export const migrations: Record<string, Migration> = {
  '0001_read_models': {
    async up(knex: Knex) {
      await knex.schema.createTable('account_views', (t) => {
        t.uuid('id').primary();
        t.text('owner_id').notNullable().index();
        t.text('owner_type').notNullable();
        t.text('type').notNullable();
        t.text('currency').notNullable();
        t.smallint('scale').notNullable();
        t.text('status').notNullable();
        t.specificType('balance', 'numeric').notNullable();
        t.jsonb('metadata').notNullable();
        t.integer('stream_version').notNullable();
        t.timestamp('created_at', { useTz: true }).notNullable();
        t.timestamp('updated_at', { useTz: true }).notNullable();
      });
      await knex.schema.createTable('transaction_views', (t) => {
        t.uuid('transaction_id').primary();
        t.text('type').notNullable();
        t.text('status').notNullable();
        t.text('amount').notNullable();
        t.text('currency').notNullable();
        t.uuid('source_account_id').notNullable().index();
        t.uuid('destination_account_id').notNullable().index();
        t.text('idempotency_key').notNullable();
        t.jsonb('reason');
        t.text('last_hlc').notNullable();
        t.timestamp('created_at', { useTz: true }).notNullable();
        t.timestamp('updated_at', { useTz: true }).notNullable();
      });
      await createInboxTable(knex);
    },
    async down(knex: Knex) {
      for (const table of ['inbox', 'transaction_views', 'account_views'])
        await knex.schema.dropTableIfExists(table);
    },
  },
  '0002_status_version': {
    // Balance and status each carry an absolute value from the events that set them, so each keeps its
    // own "newest version applied" guard: a newer status change must not block an older posting.
    async up(knex: Knex) {
      await knex.schema.alterTable('account_views', (t) =>
        t.integer('status_version').notNullable().defaultTo(1),
      );
    },
    async down(knex: Knex) {
      await knex.schema.alterTable('account_views', (t) => t.dropColumn('status_version'));
    },
  },
};
