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
  '0002_movements_tasks_refunds': {
    async up(knex: Knex) {
      await knex.schema.alterTable('sagas', (t) => {
        t.specificType('amount', 'numeric');
        // For payments: the total of refunds reserved or done, never above the amount (checked in SQL).
        t.specificType('refunded', 'numeric').notNullable().defaultTo(0);
      });
      await knex.raw(
        `alter table sagas add constraint sagas_refunded_bounded check (refunded >= 0 and (amount is null or refunded <= amount))`,
      );
      // Scheduled work of a saga (provider calls, status checks): rows, not timers, so a crash loses none.
      await knex.schema.createTable('saga_tasks', (t) => {
        t.bigIncrements('id').primary();
        t.uuid('transaction_id').notNullable().index();
        t.text('kind').notNullable();
        t.integer('attempt').notNullable();
        t.timestamp('due_at', { useTz: true }).notNullable();
        t.timestamp('locked_until', { useTz: true });
        t.timestamp('done_at', { useTz: true });
        t.text('last_error');
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      });
      await knex.raw(`create index saga_tasks_due_idx on saga_tasks (due_at) where done_at is null`);
    },
    async down(knex: Knex) {
      await knex.schema.dropTableIfExists('saga_tasks');
      await knex.schema.alterTable('sagas', (t) => {
        t.dropColumn('refunded');
        t.dropColumn('amount');
      });
    },
  },
  '0003_step_deadlines': {
    async up(knex: Knex) {
      // A deadline task names the ledger command it watches.
      await knex.schema.alterTable('saga_tasks', (t) => t.uuid('command_id'));
    },
    async down(knex: Knex) {
      await knex.schema.alterTable('saga_tasks', (t) => t.dropColumn('command_id'));
    },
  },
  '0004_deadline_columns': {
    async up(knex: Knex) {
      // A step deadline is part of the saga's row, armed and disarmed by the update that changes its state.
      await knex.schema.alterTable('sagas', (t) => {
        t.timestamp('deadline_at', { useTz: true });
        t.uuid('deadline_command_id');
        t.integer('deadline_attempt');
      });
      await knex.raw('create index sagas_deadline_idx on sagas (deadline_at) where deadline_at is not null');
    },
    async down(knex: Knex) {
      await knex.schema.alterTable('sagas', (t) => {
        t.dropColumn('deadline_attempt');
        t.dropColumn('deadline_command_id');
        t.dropColumn('deadline_at');
      });
    },
  },
};
