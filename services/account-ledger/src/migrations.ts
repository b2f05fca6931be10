import { SEEDED_CURRENCIES } from '@billing/contracts/money';
import type { Knex, Migration } from '@billing/platform/db';
import { createInboxTable } from '@billing/platform/inbox';
import { createOutboxTable } from '@billing/platform/outbox';

/**
 * The ledger's schema. Amounts are NUMERIC (exact, unbounded scale); the balance on `accounts` is the
 * snapshot of the account's event stream and is updated in the same transaction as the events.
 */
/**
 * The ledger's balance check as a statement trigger's function: `query` selects into `bad` the first
 * entry of the statement whose postings do not net to zero (`net`) or post to an account of another
 * currency, and the function refuses the statement with the reason.
 */
function balanceCheck(query: string): string {
  return `returns trigger language plpgsql as $$
        declare bad record;
        begin
${query}
          if found then
            if bad.net <> 0 then
              raise exception 'journal entry % does not balance (net %)', bad.entry_id, bad.net;
            end if;
            raise exception 'journal entry % posts to an account of another currency', bad.entry_id;
          end if;
          return null;
        end $$;`;
}

/** The balance check of 0006, one grouped query over the statement's entries (replaced by 0008). */
const GROUPED_BALANCE_CHECK = balanceCheck(`          select p.entry_id,
                 sum(case when p.side = 'debit' then p.amount else -p.amount end) as net,
                 count(*) filter (where a.currency <> e.currency) as foreign_postings
            into bad
            from postings p
            join accounts a on a.id = p.account_id
            join journal_entries e on e.id = p.entry_id
           where p.entry_id in (select distinct entry_id from inserted_postings)
           group by p.entry_id
          having sum(case when p.side = 'debit' then p.amount else -p.amount end) <> 0
              or count(*) filter (where a.currency <> e.currency) > 0
           limit 1;`);

/** The balance check of 0008: each entry's postings summed by key, in a lateral subquery. */
const BY_ENTRY_BALANCE_CHECK = balanceCheck(`          select i.entry_id, x.net
            into bad
            from (select distinct entry_id from inserted_postings) as i
            cross join lateral (
              select sum(case when p.side = 'debit' then p.amount else -p.amount end) as net,
                     count(*) filter (
                       where (select a.currency from accounts a where a.id = p.account_id) <> e.currency
                     ) as foreign_postings
                from journal_entries e
                join postings p on p.entry_id = e.id
               where e.id = i.entry_id
            ) as x
           where x.net <> 0 or x.foreign_postings > 0
           limit 1;`);

export const migrations: Record<string, Migration> = {
  '0001_ledger_core': {
    async up(knex: Knex) {
      await knex.schema.createTable('currencies', (t) => {
        t.text('code').primary();
        t.smallint('scale').notNullable();
        t.text('kind').notNullable();
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      });
      await knex('currencies').insert(
        SEEDED_CURRENCIES.map((c) => ({ code: c.code, scale: c.scale, kind: c.kind })),
      );

      await knex.schema.createTable('accounts', (t) => {
        t.uuid('id').primary();
        t.text('owner_id').notNullable().index();
        t.text('owner_type').notNullable();
        t.text('type').notNullable();
        t.text('currency').notNullable().references('code').inTable('currencies');
        t.text('status').notNullable();
        t.specificType('balance', 'numeric').notNullable().defaultTo(0);
        t.specificType('min_balance', 'numeric');
        t.specificType('max_balance', 'numeric');
        t.jsonb('metadata').notNullable().defaultTo('{}');
        t.integer('version').notNullable();
        t.timestamp('created_at', { useTz: true }).notNullable();
        t.timestamp('updated_at', { useTz: true }).notNullable();
      });
      await knex.raw(
        `alter table accounts add constraint accounts_type_check check (type in ('USER','EXTERNAL','SYSTEM'))`,
      );
      await knex.raw(
        `alter table accounts add constraint accounts_status_check check (status in ('active','suspended','closed'))`,
      );

      await knex.schema.createTable('journal_entries', (t) => {
        t.uuid('id').primary();
        t.uuid('transaction_id').notNullable();
        t.text('step').notNullable();
        t.text('transaction_type').notNullable();
        t.text('currency').notNullable().references('code').inTable('currencies');
        t.uuid('command_id').notNullable();
        t.uuid('event_message_id').notNullable();
        t.jsonb('actor').notNullable();
        t.text('hlc').notNullable();
        t.timestamp('posted_at', { useTz: true }).notNullable();
        // A replayed command can never post the same step of a transaction twice.
        t.unique(['transaction_id', 'step']);
      });

      await knex.schema.createTable('postings', (t) => {
        t.bigIncrements('id').primary();
        t.uuid('entry_id').notNullable().references('id').inTable('journal_entries');
        t.uuid('account_id').notNullable().references('id').inTable('accounts');
        t.text('side').notNullable();
        t.specificType('amount', 'numeric').notNullable();
        t.specificType('balance_after', 'numeric').notNullable();
        t.integer('stream_version').notNullable();
        t.index(['account_id', 'stream_version']);
      });
      await knex.raw(
        `alter table postings add constraint postings_side_check check (side in ('debit','credit'))`,
      );
      await knex.raw(`alter table postings add constraint postings_amount_positive check (amount > 0)`);

      // Every entry balances: checked by the database itself at commit, whatever code wrote the rows.
      await knex.raw(`
        create function journal_entry_balances() returns trigger language plpgsql as $$
        declare net numeric;
        begin
          select coalesce(sum(case when side = 'debit' then amount else -amount end), 0) into net
            from postings where entry_id = new.entry_id;
          if net <> 0 then
            raise exception 'journal entry % does not balance (net %)', new.entry_id, net;
          end if;
          return null;
        end $$;
        create constraint trigger postings_balance after insert on postings
          deferrable initially deferred for each row execute function journal_entry_balances();
        create function refuse_change() returns trigger language plpgsql as $$
        begin
          raise exception '% rows are immutable; correct them with a reversing entry', tg_table_name;
        end $$;
        create trigger postings_immutable before update or delete on postings
          for each row execute function refuse_change();
        create trigger journal_entries_immutable before update or delete on journal_entries
          for each row execute function refuse_change();
      `);

      // The event store: one append-only stream per account, versions unique per stream, a global order.
      await knex.schema.createTable('events', (t) => {
        t.bigIncrements('position').primary();
        t.uuid('stream_id').notNullable();
        t.integer('version').notNullable();
        t.text('type').notNullable();
        t.jsonb('data').notNullable();
        t.uuid('message_id').notNullable();
        t.text('hlc').notNullable();
        t.timestamp('occurred_at', { useTz: true }).notNullable();
        t.unique(['stream_id', 'version']);
        t.index(['message_id']);
      });
      await knex.raw(
        'create trigger events_immutable before update or delete on events for each row execute function refuse_change()',
      );

      await createOutboxTable(knex);
      await createInboxTable(knex);
    },
    async down(knex: Knex) {
      for (const table of [
        'inbox',
        'outbox',
        'events',
        'postings',
        'journal_entries',
        'accounts',
        'currencies',
      ]) {
        await knex.schema.dropTableIfExists(table);
      }
      await knex.raw('drop function if exists journal_entry_balances() cascade');
      await knex.raw('drop function if exists refuse_change() cascade');
    },
  },
  '0002_holds_and_reversals': {
    async up(knex: Knex) {
      await knex.schema.alterTable('accounts', (t) => {
        // Sum of open holds, kept in the same transaction as the holds themselves.
        t.specificType('held', 'numeric').notNullable().defaultTo(0);
      });
      await knex.raw(`alter table accounts add constraint accounts_held_non_negative check (held >= 0)`);
      await knex.schema.alterTable('journal_entries', (t) => {
        // At most one reversal per entry, enforced by the database.
        t.uuid('reverses_entry_id').unique().references('id').inTable('journal_entries');
      });
      await knex.schema.createTable('holds', (t) => {
        t.uuid('id').primary();
        t.uuid('account_id').notNullable().references('id').inTable('accounts');
        t.uuid('transaction_id').notNullable().index();
        t.text('transaction_type').notNullable();
        t.text('currency').notNullable();
        t.specificType('amount', 'numeric').notNullable();
        t.specificType('captured', 'numeric').notNullable().defaultTo(0);
        t.text('status').notNullable();
        t.timestamp('expires_at', { useTz: true }).notNullable();
        t.uuid('entry_id').references('id').inTable('journal_entries');
        t.uuid('placed_event_id').notNullable();
        t.uuid('closed_event_id');
        t.timestamp('created_at', { useTz: true }).notNullable();
        t.timestamp('closed_at', { useTz: true });
      });
      await knex.raw(
        `alter table holds add constraint holds_status_check check (status in ('open','captured','released','expired'))`,
      );
      await knex.raw(
        `alter table holds add constraint holds_amount_positive check (amount > 0 and captured >= 0 and captured <= amount)`,
      );
      await knex.raw(`create index holds_open_expiry_idx on holds (expires_at) where status = 'open'`);
    },
    async down(knex: Knex) {
      await knex.schema.dropTableIfExists('holds');
      await knex.schema.alterTable('journal_entries', (t) => t.dropColumn('reverses_entry_id'));
      await knex.schema.alterTable('accounts', (t) => t.dropColumn('held'));
    },
  },
  '0003_integrity_and_indexes': {
    async up(knex: Knex) {
      // The commit-time balance check sums postings by entry; without this index it scans the table.
      await knex.raw('create index postings_entry_idx on postings (entry_id)');
      await knex.raw('create index holds_account_idx on holds (account_id)');
      // One posting per account stream version: two postings can never claim the same version.
      await knex.raw(
        'create unique index postings_account_version_uq on postings (account_id, stream_version)',
      );
      // The commit-time check also refuses a posting on an account of another currency than its entry.
      await knex.raw(`
        create or replace function journal_entry_balances() returns trigger language plpgsql as $$
        declare net numeric; foreign_postings integer;
        begin
          select coalesce(sum(case when p.side = 'debit' then p.amount else -p.amount end), 0),
                 count(*) filter (where a.currency <> e.currency)
            into net, foreign_postings
            from postings p
            join accounts a on a.id = p.account_id
            join journal_entries e on e.id = p.entry_id
           where p.entry_id = new.entry_id;
          if net <> 0 then
            raise exception 'journal entry % does not balance (net %)', new.entry_id, net;
          end if;
          if foreign_postings > 0 then
            raise exception 'journal entry % posts to an account of another currency', new.entry_id;
          end if;
          return null;
        end $$;
      `);
    },
    async down(knex: Knex) {
      await knex.raw('drop index if exists postings_account_version_uq');
      await knex.raw('drop index if exists holds_account_idx');
      await knex.raw('drop index if exists postings_entry_idx');
    },
  },
  '0004_money_safety': {
    async up(knex: Knex) {
      await knex.schema.alterTable('holds', (t) => {
        // The account the capture must credit, checked when the hold was placed (null: none was named).
        t.uuid('credit_account_id').references('id').inTable('accounts');
        // Set by the first capture request: from then on neither a release nor the sweep frees the hold.
        t.timestamp('capture_requested_at', { useTz: true });
      });
      // The sweep looks only at open holds nobody asked to capture.
      await knex.raw('drop index if exists holds_open_expiry_idx');
      await knex.raw(
        `create index holds_open_expiry_idx on holds (expires_at) where status = 'open' and capture_requested_at is null`,
      );
      // Every refusal of a ledger command, by (transaction, step): a resent copy is answered with it and
      // never applied, so a command refused once cannot succeed later under the same name.
      await knex.schema.createTable('rejections', (t) => {
        t.uuid('transaction_id').notNullable();
        t.text('step').notNullable();
        t.text('command_type').notNullable();
        t.uuid('command_id').notNullable();
        t.uuid('message_id').notNullable();
        t.jsonb('data').notNullable();
        t.timestamp('rejected_at', { useTz: true }).notNullable();
        t.primary(['transaction_id', 'step']);
      });
      await knex.raw(
        'create trigger rejections_immutable before update or delete on rejections for each row execute function refuse_change()',
      );
    },
    async down(knex: Knex) {
      await knex.schema.dropTableIfExists('rejections');
      await knex.raw('drop index if exists holds_open_expiry_idx');
      await knex.raw(`create index holds_open_expiry_idx on holds (expires_at) where status = 'open'`);
      await knex.schema.alterTable('holds', (t) => {
        t.dropColumn('capture_requested_at');
        t.dropColumn('credit_account_id');
      });
    },
  },
  '0005_republishes': {
    async up(knex: Knex) {
      // The last republish of each stream at the read side's request: what rate-limits the next.
      await knex.schema.createTable('republishes', (t) => {
        t.uuid('stream_id').primary();
        t.integer('from_version').notNullable();
        t.integer('to_version').notNullable();
        t.timestamp('republished_at', { useTz: true }).notNullable();
      });
    },
    async down(knex: Knex) {
      await knex.schema.dropTableIfExists('republishes');
    },
  },
  '0006_balance_check_per_statement': {
    async up(knex: Knex) {
      // The balance check once per insert statement instead of once per posting at commit: the ledger
      // writes a batch's postings with one statement, so one grouped query checks every entry of the
      // batch, where the row trigger ran the same three-table query for each posting. An entry's
      // postings must therefore arrive in one statement (a later insert adding to an entry is checked
      // against all of its postings, so it cannot unbalance one either).
      await knex.raw(`
        create function journal_entries_balance() ${GROUPED_BALANCE_CHECK}
        drop trigger postings_balance on postings;
        create trigger postings_balance after insert on postings
          referencing new table as inserted_postings
          for each statement execute function journal_entries_balance();
        drop function journal_entry_balances();
      `);
    },
    async down(knex: Knex) {
      await knex.raw(`
        drop trigger postings_balance on postings;
        drop function journal_entries_balance();
        create function journal_entry_balances() returns trigger language plpgsql as $$
        declare net numeric; foreign_postings integer;
        begin
          select coalesce(sum(case when p.side = 'debit' then p.amount else -p.amount end), 0),
                 count(*) filter (where a.currency <> e.currency)
            into net, foreign_postings
            from postings p
            join accounts a on a.id = p.account_id
            join journal_entries e on e.id = p.entry_id
           where p.entry_id = new.entry_id;
          if net <> 0 then
            raise exception 'journal entry % does not balance (net %)', new.entry_id, net;
          end if;
          if foreign_postings > 0 then
            raise exception 'journal entry % posts to an account of another currency', new.entry_id;
          end if;
          return null;
        end $$;
        create constraint trigger postings_balance after insert on postings
          deferrable initially deferred for each row execute function journal_entry_balances();
      `);
    },
  },
  '0007_drop_duplicate_postings_index': {
    // The first migration's plain index on (account_id, stream_version) has the same columns as the
    // unique one of 0003, which serves every lookup it could: one more index entry to write per posting.
    async up(knex: Knex) {
      await knex.raw('drop index if exists postings_account_id_stream_version_index');
    },
    async down(knex: Knex) {
      await knex.raw(
        'create index if not exists postings_account_id_stream_version_index on postings (account_id, stream_version)',
      );
    },
  },
  '0008_balance_check_by_entry': {
    // The check's plan is made once per connection, when a fresh ledger is nearly empty. The join of
    // 0006 was then planned as a walk over every journal entry with the batch's entries as the inner
    // side, so each batch read the whole table (a batch took 2 ms after 20 s of load, 30 ms after 25
    // s). Summing each inserted entry's postings in a lateral subquery, and reading each posting's
    // account currency in a subquery of its own, leaves the planner only lookups by key whatever the
    // tables' sizes when it planned (a join had it hash all accounts for every entry); the rule is the
    // same.
    async up(knex: Knex) {
      await knex.raw(`
        create or replace function journal_entries_balance() ${BY_ENTRY_BALANCE_CHECK}
      `);
    },
    async down(knex: Knex) {
      await knex.raw(`
        create or replace function journal_entries_balance() ${GROUPED_BALANCE_CHECK}
      `);
    },
  },
};
