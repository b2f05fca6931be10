import type { Knex, Migration } from '@billing/platform/db';
import { createInboxTable } from '@billing/platform/inbox';
import { createOutboxTable } from '@billing/platform/outbox';

/** One row per money movement: its workflow state, versioned so that a lost update is detected. */
export const migrations: Record<string, Migration> = {
  '0001_sagas': {
    async up(knex: Knex) {
      await knex.schema.createTable('sagas', (t) => {
        t.uuid('transaction_id').primary();
        t.text('type').notNullable();
        t.text('status').notNullable();
        t.jsonb('state').notNullable();
        t.text('request_hash').notNullable();
        t.integer('version').notNullable();
        t.timestamp('created_at', { useTz: true }).notNullable();
        t.timestamp('updated_at', { useTz: true }).notNullable();
        t.timestamp('completed_at', { useTz: true });
        t.index(['status', 'updated_at']);
      });
      await createOutboxTable(knex);
      await createInboxTable(knex);
    },
    async down(knex: Knex) {
      for (const table of ['inbox', 'outbox', 'sagas']) await knex.schema.dropTableIfExists(table);
    },
  },
};
