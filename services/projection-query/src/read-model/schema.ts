import { SEEDED_CURRENCIES } from '@billing/contracts/money';
import type { Knex } from '@billing/platform/db';

/**
 * Every read model lives in one PostgreSQL schema. Queries and the live consumers use LIVE_SCHEMA; a
 * rebuild fills REBUILD_SCHEMA from the start of the event topics and then swaps the two by renaming
 * schemas in one transaction (see rebuild/swap.ts). The schema before the last swap is kept as
 * PREVIOUS_SCHEMA, so a bad rebuild can be swapped back by hand.
 */
export const LIVE_SCHEMA = 'read_model';
export const REBUILD_SCHEMA = 'read_model_rebuild';
export const PREVIOUS_SCHEMA = 'read_model_previous';

export type ReadModelTable =
  | 'accounts'
  | 'holds'
  | 'pending_events'
  | 'account_history'
  | 'transactions'
  | 'account_transactions'
  | 'currencies'
  | 'currency_totals'
  | 'transaction_investigations'
  | 'transaction_operator_actions'
  | 'transaction_provider_steps'
  | 'positions';

/** A schema-qualified table name for knex ("read_model.accounts" is quoted as two identifiers). */
export function tableOf(schema: string, table: ReadModelTable): string {
  return `${schema}.${table}`;
}

export async function schemaExists(knex: Knex, schema: string): Promise<boolean> {
  const rows = await knex('pg_namespace').where({ nspname: schema }).select('oid');
  return rows.length > 0;
}

/** Creates the schema and every read-model table in it, empty except for the seeded currencies. */
export async function createReadModel(knex: Knex, schema: string): Promise<void> {
  await knex.schema.createSchema(schema);
  // A schema builder accumulates statements, so each table gets a builder of its own.
  const s = () => knex.schema.withSchema(schema);
  await s().createTable('accounts', (t) => {
    t.uuid('id').primary();
    t.text('owner_id').notNullable();
    t.text('owner_type').notNullable();
    t.text('type').notNullable();
    t.text('currency').notNullable();
    t.smallint('scale').notNullable();
    t.text('status').notNullable();
    t.specificType('balance', 'numeric').notNullable();
    t.specificType('min_balance', 'numeric');
    t.specificType('max_balance', 'numeric');
    t.jsonb('metadata').notNullable();
    // The stream version the row reflects: every event of the account up to it and none after it.
    t.integer('version').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['owner_id', 'created_at', 'id']);
  });
  await s().createTable('holds', (t) => {
    t.uuid('hold_id').primary();
    t.uuid('account_id').notNullable();
    t.uuid('transaction_id').notNullable();
    t.specificType('amount', 'numeric').notNullable();
    t.text('status').notNullable();
    t.specificType('captured_amount', 'numeric');
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('placed_at', { useTz: true }).notNullable();
    t.timestamp('closed_at', { useTz: true });
  });
  await s().createTable('pending_events', (t) => {
    // An account-stream event that arrived before its predecessors; applied once the gap closes.
    t.uuid('account_id').notNullable();
    t.integer('version').notNullable();
    t.smallint('slot').notNullable();
    t.jsonb('item').notNullable();
    t.timestamp('parked_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['account_id', 'version', 'slot']);
  });
  await s().createTable('account_history', (t) => {
    t.uuid('account_id').notNullable();
    t.integer('version').notNullable();
    t.uuid('entry_id').notNullable();
    t.uuid('transaction_id').notNullable();
    t.text('transaction_type').notNullable();
    t.text('step').notNullable();
    t.text('side').notNullable();
    t.specificType('amount', 'numeric').notNullable();
    t.specificType('balance_after', 'numeric').notNullable();
    t.uuid('reverses_entry_id');
    t.timestamp('posted_at', { useTz: true }).notNullable();
    t.primary(['account_id', 'version']);
    t.index(['account_id', 'posted_at']);
  });
  await s().createTable('transactions', (t) => {
    t.uuid('transaction_id').primary();
    t.text('type').notNullable();
    t.text('status').notNullable();
    t.specificType('amount', 'numeric').notNullable();
    t.text('currency').notNullable();
    t.uuid('source_account_id').notNullable();
    t.uuid('destination_account_id').notNullable();
    t.text('idempotency_key').notNullable();
    t.jsonb('reason');
    t.uuid('original_transaction_id');
    t.jsonb('details').notNullable();
    t.text('last_hlc').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.timestamp('finished_at', { useTz: true });
    t.index(['status', 'created_at', 'transaction_id']);
  });
  await s().createTable('account_transactions', (t) => {
    // One row per party: keyset pagination of an account's transactions on (created_at, id).
    t.uuid('account_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.uuid('transaction_id').notNullable();
    t.primary(['account_id', 'created_at', 'transaction_id']);
  });
  await s().createTable('currencies', (t) => {
    t.text('code').primary();
    t.smallint('scale').notNullable();
    t.text('kind').notNullable();
  });
  await s().createTable('currency_totals', (t) => {
    t.text('currency').primary();
    t.smallint('scale').notNullable();
    t.specificType('debits', 'numeric').notNullable();
    t.specificType('credits', 'numeric').notNullable();
  });
  await s().createTable('positions', (t) => {
    // The next offset to apply per partition, written in the same transaction as the read models.
    t.text('topic').notNullable();
    t.integer('partition').notNullable();
    t.bigInteger('next_offset').notNullable();
    t.timestamp('last_event_at', { useTz: true });
    t.timestamp('applied_at', { useTz: true }).notNullable();
    // The Kafka cluster the offsets belong to: offsets mean nothing in another cluster.
    t.text('cluster_id');
    t.primary(['topic', 'partition']);
  });
  await knex.raw(`create index on ??.holds (account_id, placed_at) where status = 'open'`, [schema]);
  await knex.raw(
    'create index on ??.transactions (original_transaction_id) where original_transaction_id is not null',
    [schema],
  );
  await createTimelineIndexes(knex, schema);
  await createOperatorActionTables(knex, schema);
  await createProviderStepTable(knex, schema);
  // The ledger starts with these; later ones arrive as CurrencyAdded events.
  await knex(tableOf(schema, 'currencies')).insert(
    SEEDED_CURRENCIES.map((c) => ({ code: c.code, scale: c.scale, kind: c.kind })),
  );
}

/** A transaction's timeline reads its postings and holds by transaction id (transactions/timeline.query.ts). */
export async function createTimelineIndexes(knex: Knex, schema: string): Promise<void> {
  await knex.raw(
    'create index if not exists account_history_transaction on ??.account_history (transaction_id)',
    [schema],
  );
  await knex.raw('create index if not exists holds_transaction on ??.holds (transaction_id)', [schema]);
}

/**
 * What operators did to transactions: the investigation flag of each (a cleared one keeps its row, so a
 * republished older event cannot flag it again), and every action for the timeline.
 */
export async function createOperatorActionTables(knex: Knex, schema: string): Promise<void> {
  const s = () => knex.schema.withSchema(schema);
  await s().createTable('transaction_investigations', (t) => {
    t.uuid('transaction_id').primary();
    t.boolean('flagged').notNullable();
    t.text('note');
    t.jsonb('flagged_by');
    t.timestamp('flagged_at', { useTz: true });
    t.text('last_hlc').notNullable();
  });
  await s().createTable('transaction_operator_actions', (t) => {
    t.uuid('transaction_id').notNullable();
    // The event's HLC stamp: unique per event, so a republished event is recorded once.
    t.text('hlc').notNullable();
    t.text('kind').notNullable();
    t.text('label').notNullable();
    t.text('note');
    t.jsonb('actor').notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.primary(['transaction_id', 'hlc']);
  });
}

/** Each provider attempt of a transaction's saga, for the timeline. */
export async function createProviderStepTable(knex: Knex, schema: string): Promise<void> {
  await knex.schema.withSchema(schema).createTable('transaction_provider_steps', (t) => {
    t.uuid('transaction_id').notNullable();
    // The event's HLC stamp: unique per event, so a republished event is recorded once.
    t.text('hlc').notNullable();
    t.text('provider').notNullable();
    t.text('operation').notNullable();
    t.integer('attempt').notNullable();
    t.text('outcome').notNullable();
    t.text('code');
    t.text('detail');
    t.text('provider_reference');
    t.timestamp('at', { useTz: true }).notNullable();
    t.primary(['transaction_id', 'hlc']);
  });
}

export async function dropReadModel(knex: Knex, schema: string): Promise<void> {
  await knex.raw('drop schema if exists ?? cascade', [schema]);
}
