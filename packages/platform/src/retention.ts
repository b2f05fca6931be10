import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { INBOX_TABLE } from './inbox';
import { OUTBOX_TABLE } from './outbox';
import { delay } from './wait';
import type { BackgroundJob } from './worker';

/**
 * What a table may forget, and when. Rows are deleted in bounded batches so a large backlog of old rows
 * never turns into one long transaction.
 */
export interface RetentionRule {
  table: string;
  /** The timestamp column that says when a row became prunable (null rows are never pruned). */
  column: string;
  keepMs: number;
}

const HOUR_MS = 3_600_000;

/**
 * The platform's defaults. The inbox must outlive every possible redelivery of a message it recorded:
 * redeliveries come from the topic, whose retention is 7 days (Kafka's default), so the inbox keeps 8.
 * A published outbox row is only history once the broker has it: one day is kept for operators.
 */
export const DEFAULT_RETENTION: readonly RetentionRule[] = [
  { table: INBOX_TABLE, column: 'processed_at', keepMs: 8 * 24 * HOUR_MS },
  { table: OUTBOX_TABLE, column: 'published_at', keepMs: 24 * HOUR_MS },
];

export interface RetentionOptions {
  knex: Knex;
  logger: Logger;
  rules: readonly RetentionRule[];
  intervalMs?: number;
  batchSizeMax?: number;
  /** One pruner per database at a time; other replicas skip the pass. */
  lockKey: number;
}

/** Deletes one batch of prunable rows per rule; returns how many rows went. */
export async function pruneOnce(options: RetentionOptions): Promise<number> {
  const { knex } = options;
  const batch = options.batchSizeMax ?? 5000;
  return knex.transaction(async (trx) => {
    const { rows } = await trx.raw<{ rows: { locked: boolean }[] }>(
      'select pg_try_advisory_xact_lock(?) as locked',
      [options.lockKey],
    );
    if (!rows[0]?.locked) return 0;
    let deleted = 0;
    for (const rule of options.rules) {
      checkRule(rule);
      const exists = await trx.raw<{ rows: { t: string | null }[] }>('select to_regclass(?) as t', [
        rule.table,
      ]);
      if (!exists.rows[0]?.t) continue; // e.g. a service without an outbox
      const result = await trx.raw(
        `delete from ${rule.table} where ctid in (
           select ctid from ${rule.table}
            where ${rule.column} is not null and ${rule.column} < now() - (? * interval '1 millisecond')
            limit ?)`,
        [rule.keepMs, batch],
      );
      deleted += (result as { rowCount: number }).rowCount;
    }
    return deleted;
  });
}

function checkRule(rule: RetentionRule): void {
  if (!/^[a-z_][a-z0-9_]*$/.test(rule.table) || !/^[a-z_][a-z0-9_]*$/.test(rule.column))
    throw new Error(`unusual retention rule ${rule.table}.${rule.column}`);
}

/**
 * An index on each rule's column, so a pass reads only the rows it deletes. Built concurrently (outside
 * any transaction) so that creating it on a large existing table never blocks the service's writes.
 */
export async function ensureRetentionIndexes(knex: Knex, rules: readonly RetentionRule[]): Promise<void> {
  for (const rule of rules) {
    checkRule(rule);
    const exists = await knex.raw<{ rows: { t: string | null }[] }>('select to_regclass(?) as t', [
      rule.table,
    ]);
    if (!exists.rows[0]?.t) continue;
    await knex.raw(
      `create index concurrently if not exists ${rule.table}_${rule.column}_retention_idx on ${rule.table} (${rule.column}) where ${rule.column} is not null`,
    );
  }
}

/** Prunes on a schedule: a pass every interval, passes back to back while there is a backlog. */
export function retentionJob(options: RetentionOptions): BackgroundJob {
  const stopping = new AbortController();
  const log = options.logger.child({ component: 'retention' });
  let loop: Promise<void> | null = null;
  async function run(): Promise<void> {
    await ensureRetentionIndexes(options.knex, options.rules).catch((err) =>
      log.warn({ err }, 'could not create the retention indexes; pruning scans instead'),
    );
    while (!stopping.signal.aborted) {
      let deleted = 0;
      try {
        deleted = await pruneOnce(options);
        if (deleted > 0) log.info({ deleted }, 'pruned rows past their retention');
      } catch (err) {
        log.warn({ err }, 'retention pass failed');
      }
      if (deleted < (options.batchSizeMax ?? 5000))
        await delay(options.intervalMs ?? 60_000, stopping.signal);
    }
  }
  return {
    start() {
      loop = run();
    },
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
