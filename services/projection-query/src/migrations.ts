import type { Knex, Migration } from '@billing/platform/db';
import { createInboxTable } from '@billing/platform/inbox';
import { createOutboxTable } from '@billing/platform/outbox';
import {
  createOperatorActionTables,
  createProviderStepTable,
  createReadModel,
  createTimelineIndexes,
  dropReadModel,
  LIVE_SCHEMA,
  schemaExists,
} from './read-model/schema';

/**
 * 0001 and 0002 are the first read models, kept because databases remember them; 0003 replaces them with
 * the read-model schema of read-model/schema.ts. Read models are derived data: 0003 drops the old tables
 * instead of converting them, and the consumer groups carry a generation suffix (runtime.ts) so the
 * new tables are filled from the start of the event topics. Later changes to the read models ship the
 * same way, or through `npm run projections:rebuild` without downtime.
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
    async up(knex: Knex) {
      await knex.schema.alterTable('account_views', (t) =>
        t.integer('status_version').notNullable().defaultTo(1),
      );
    },
    async down(knex: Knex) {
      await knex.schema.alterTable('account_views', (t) => t.dropColumn('status_version'));
    },
  },
  '0003_read_model_schema': {
    async up(knex: Knex) {
      for (const table of ['inbox', 'transaction_views', 'account_views'])
        await knex.schema.dropTableIfExists(table);
      if (!(await schemaExists(knex, LIVE_SCHEMA))) await createReadModel(knex, LIVE_SCHEMA);
    },
    async down(knex: Knex) {
      await dropReadModel(knex, LIVE_SCHEMA);
    },
  },
  '0004_position_cluster': {
    async up(knex: Knex) {
      // A position is an offset in one cluster's log; this says which (read-model/positions.ts).
      await knex.raw('alter table ??.positions add column if not exists cluster_id text', [LIVE_SCHEMA]);
    },
    async down(knex: Knex) {
      await knex.raw('alter table ??.positions drop column if exists cluster_id', [LIVE_SCHEMA]);
    },
  },
  '0005_timeline_indexes': {
    async up(knex: Knex) {
      // A rebuild creates them with the rest of the read model; this adds them to a live one made before.
      await createTimelineIndexes(knex, LIVE_SCHEMA);
    },
    async down(knex: Knex) {
      await knex.raw('drop index if exists ??.account_history_transaction', [LIVE_SCHEMA]);
      await knex.raw('drop index if exists ??.holds_transaction', [LIVE_SCHEMA]);
    },
  },
  '0006_gap_repairs': {
    async up(knex: Knex) {
      // The read side asks the ledger for events it never received, through an outbox of its own.
      await createOutboxTable(knex);
      // One open repair per account: the range asked for, and when, so re-sends back off.
      await knex.schema.createTable('gap_repairs', (t) => {
        t.uuid('account_id').primary();
        t.integer('from_version').notNullable();
        t.integer('to_version').notNullable();
        t.timestamp('first_requested_at', { useTz: true }).notNullable();
        t.timestamp('last_requested_at', { useTz: true }).notNullable();
        t.integer('requests').notNullable();
      });
    },
    async down(knex: Knex) {
      await knex.schema.dropTableIfExists('gap_repairs');
      await knex.schema.dropTableIfExists('outbox');
    },
  },
  '0007_operator_actions': {
    async up(knex: Knex) {
      // A rebuild creates them with the rest of the read model; this adds them to a live one made before.
      if (!(await schemaExists(knex, LIVE_SCHEMA))) return;
      const exists = await knex.schema.withSchema(LIVE_SCHEMA).hasTable('transaction_investigations');
      if (!exists) await createOperatorActionTables(knex, LIVE_SCHEMA);
    },
    async down(knex: Knex) {
      await knex.raw('drop table if exists ??.transaction_operator_actions', [LIVE_SCHEMA]);
      await knex.raw('drop table if exists ??.transaction_investigations', [LIVE_SCHEMA]);
    },
  },
  '0008_dead_letters': {
    async up(knex: Knex) {
      // Outside the read-model schema: a rebuild reads the event topics, not the dead-letter topic.
      await knex.schema.createTable('dead_letters', (t) => {
        t.text('id').primary();
        t.integer('partition').notNullable();
        t.bigInteger('offset').notNullable();
        t.timestamp('dead_lettered_at', { useTz: true }).notNullable();
        t.text('original_topic');
        t.integer('original_partition');
        t.text('original_offset');
        t.text('consumer_group');
        t.text('message_type');
        t.text('message_id');
        t.text('error_code');
        t.text('error_detail');
        t.text('key');
        t.text('value');
        t.jsonb('headers').notNullable();
        t.text('replay_service');
        t.text('replay_refusal');
        t.index(['dead_lettered_at', 'partition', 'offset']);
      });
      await knex.schema.createTable('dead_letter_replays', (t) => {
        t.uuid('replay_id').primary();
        t.text('dead_letter_id').notNullable().index();
        t.timestamp('requested_at', { useTz: true });
        t.text('requested_by');
        t.text('outcome');
        t.timestamp('completed_at', { useTz: true });
        t.text('code');
        t.text('detail');
      });
    },
    async down(knex: Knex) {
      await knex.schema.dropTableIfExists('dead_letter_replays');
      await knex.schema.dropTableIfExists('dead_letters');
    },
  },
  '0009_provider_steps': {
    async up(knex: Knex) {
      // As 0007: a rebuild creates the table with the rest of the read model; this adds it to a live one.
      if (!(await schemaExists(knex, LIVE_SCHEMA))) return;
      const exists = await knex.schema.withSchema(LIVE_SCHEMA).hasTable('transaction_provider_steps');
      if (!exists) await createProviderStepTable(knex, LIVE_SCHEMA);
    },
    async down(knex: Knex) {
      await knex.raw('drop table if exists ??.transaction_provider_steps', [LIVE_SCHEMA]);
    },
  },
};
