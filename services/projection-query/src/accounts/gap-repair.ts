import { createMessage } from '@billing/contracts/catalog';
import { HybridLogicalClock } from '@billing/contracts/hlc';
import { RepublishAccountEvents, REPUBLISH_RANGE_MAX } from '@billing/contracts/messages/repairs';
import { topicName } from '@billing/contracts/topics';
import type { Knex } from '@billing/platform/db';
import type { Logger } from '@billing/platform/logger';
import { counter, gauge } from '@billing/platform/metrics';
import { appendToOutbox } from '@billing/platform/outbox';
import { delay } from '@billing/platform/wait';
import type { BackgroundJob } from '@billing/platform/worker';
import { pgArray } from '../shared/pg-array';
import { tableOf } from '../read-model/schema';
import { planRepairs, type ObservedGap, type OpenRepair } from './gap-repair.plan';

export const GAP_REPAIRS_TABLE = 'gap_repairs';
/** Gaps looked at per pass, oldest first. */
const GAPS_PER_PASS_MAX = 100;
/** Open repairs looked at per pass. */
const OPEN_REPAIRS_MAX = 1000;
/** The actor of the requests: the read side asks for itself. */
const ACTOR = { kind: 'system', id: 'projection-query' } as const;

/** The read side's healing, in the platform's registry (served on /metrics). */
const meters = {
  requests: counter({
    name: 'projection_gap_repair_requests_total',
    help: 'Requests sent to the ledger to republish missing account events.',
  }),
  healed: counter({
    name: 'projection_gaps_healed_total',
    help: 'Gaps in account streams closed after a republish request.',
  }),
  open: gauge({
    name: 'projection_gap_repairs_open',
    help: 'Gaps asked for and not closed yet, as of the last pass.',
  }),
};

export interface GapRepairOptions {
  knex: Knex;
  schema: string;
  logger: Logger;
  topicPrefix: string;
  nowMs: () => number;
  /** A gap whose oldest parked item has waited this long is repaired. */
  repairAfterMs: number;
  intervalMs: number;
  resendBaseMs: number;
  resendMaxMs: number;
}

export interface GapRepairCounters {
  requestsSent: number;
  healed: number;
  open: number;
}

/**
 * Heals the read side: every `intervalMs`, gaps in account streams that lasted longer than
 * `repairAfterMs` are asked for from the ledger (RepublishAccountEvents, through the outbox, in the
 * same transaction as the repair record), and repairs whose range has been applied are logged as healed.
 * The ledger's answer arrives on the ledger events topic and is applied by the live consumer as any
 * event is, so the healing needs nothing but the stream rules to be correct.
 */
export function gapRepairJob(options: GapRepairOptions): BackgroundJob & {
  repairOnce(): Promise<void>;
  counters: GapRepairCounters;
} {
  const stopping = new AbortController();
  const hlc = new HybridLogicalClock('projection-query', options.nowMs);
  const counters: GapRepairCounters = { requestsSent: 0, healed: 0, open: 0 };
  const topic = topicName('ledgerRepairs', options.topicPrefix);
  let loop: Promise<void> | null = null;

  async function repairOnce(): Promise<void> {
    const { knex, schema, logger } = options;
    const nowMs = options.nowMs();
    await knex.transaction(async (trx) => {
      // One pass at a time across replicas; the others skip theirs.
      const { rows } = await trx.raw<{ rows: { locked: boolean }[] }>(
        'select pg_try_advisory_xact_lock(hashtext(?)) as locked',
        [`gap-repair:${schema}`],
      );
      if (!rows[0]?.locked) return;
      const gaps = await lastingGaps(trx, schema, nowMs - options.repairAfterMs);
      const open = (await trx(GAP_REPAIRS_TABLE).select().limit(OPEN_REPAIRS_MAX)).map(repairOfRow);
      const ids = [...new Set([...open.map((r) => r.accountId), ...gaps.map((g) => g.accountId)])];
      const applied = await appliedVersions(trx, schema, ids);
      const plan = planRepairs(gaps, open, applied, nowMs, {
        rangeMax: REPUBLISH_RANGE_MAX,
        resendBaseMs: options.resendBaseMs,
        resendMaxMs: options.resendMaxMs,
      });
      for (const { repair, afterMs } of plan.healed) {
        await trx(GAP_REPAIRS_TABLE).where({ account_id: repair.accountId }).delete();
        logger.warn(
          {
            accountId: repair.accountId,
            fromVersion: repair.fromVersion,
            toVersion: repair.toVersion,
            afterMs,
          },
          `read-side gap healed: account ${repair.accountId} versions ${repair.fromVersion}..${repair.toVersion} applied ${afterMs} ms after the first request (${repair.requests} requests)`,
        );
      }
      const messages = plan.send.map(({ repair, appliedVersion, parkedSinceMs }) => ({
        topic,
        key: repair.accountId,
        envelope: createMessage(
          RepublishAccountEvents,
          {
            accountId: repair.accountId,
            fromVersion: repair.fromVersion,
            toVersion: repair.toVersion,
            appliedVersion,
            parkedSince: new Date(parkedSinceMs).toISOString(),
          },
          { actor: ACTOR, hlc: hlc.now(), causedBy: null, nowMs },
        ),
      }));
      for (const { repair } of plan.send) {
        await trx(GAP_REPAIRS_TABLE).insert(rowOfRepair(repair)).onConflict('account_id').merge();
        logger.warn(
          { accountId: repair.accountId, fromVersion: repair.fromVersion, toVersion: repair.toVersion },
          `read-side gap: account ${repair.accountId} misses versions ${repair.fromVersion}..${repair.toVersion}; asked the ledger to republish them (request ${repair.requests})`,
        );
      }
      await appendToOutbox(trx, messages);
      counters.requestsSent += plan.send.length;
      counters.healed += plan.healed.length;
      meters.requests.inc(plan.send.length);
      meters.healed.inc(plan.healed.length);
      const healed = new Set(plan.healed.map((h) => h.repair.accountId));
      counters.open = new Set([
        ...open.map((r) => r.accountId).filter((id) => !healed.has(id)),
        ...plan.send.map((s) => s.repair.accountId),
      ]).size;
      meters.open.set(counters.open);
    });
  }

  async function run(): Promise<void> {
    while (!stopping.signal.aborted) {
      try {
        await repairOnce();
      } catch (err) {
        options.logger.error({ err }, 'read-side gap repair failed; trying again');
      }
      await delay(options.intervalMs, stopping.signal);
    }
  }

  return {
    repairOnce,
    counters,
    start() {
      loop = run();
    },
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}

/** Accounts whose oldest parked item is older than `cutoffMs`, with what the parked items need. */
async function lastingGaps(trx: Knex.Transaction, schema: string, cutoffMs: number): Promise<ObservedGap[]> {
  const result = await trx.raw<{
    rows: { account_id: string; applied: number; needed: number; parked_since: Date }[];
  }>(
    `select p.account_id, coalesce(max(a.version), 0)::int as applied,
            min(case when p.slot = 0 then p.version - 1 else p.version end)::int as needed,
            min(p.parked_at) as parked_since
       from ?? p left join ?? a on a.id = p.account_id
      group by p.account_id
     having min(p.parked_at) < ?
      order by parked_since
      limit ?`,
    [
      tableOf(schema, 'pending_events'),
      tableOf(schema, 'accounts'),
      new Date(cutoffMs).toISOString(),
      GAPS_PER_PASS_MAX,
    ],
  );
  return result.rows.map((r) => ({
    accountId: r.account_id,
    appliedVersion: r.applied,
    neededVersion: r.needed,
    parkedSinceMs: r.parked_since.getTime(),
  }));
}

async function appliedVersions(trx: Knex.Transaction, schema: string, ids: readonly string[]) {
  if (ids.length === 0) return new Map<string, number>();
  const rows = await trx(tableOf(schema, 'accounts'))
    .whereRaw('id = any(?::uuid[])', [pgArray(ids)])
    .select<{ id: string; version: number }[]>('id', 'version');
  return new Map(rows.map((r) => [r.id, r.version]));
}

interface RepairRow {
  account_id: string;
  from_version: number;
  to_version: number;
  first_requested_at: Date;
  last_requested_at: Date;
  requests: number;
}

function repairOfRow(row: RepairRow): OpenRepair {
  return {
    accountId: row.account_id,
    fromVersion: row.from_version,
    toVersion: row.to_version,
    firstRequestedAtMs: row.first_requested_at.getTime(),
    lastRequestedAtMs: row.last_requested_at.getTime(),
    requests: row.requests,
  };
}

function rowOfRepair(repair: OpenRepair): RepairRow {
  return {
    account_id: repair.accountId,
    from_version: repair.fromVersion,
    to_version: repair.toVersion,
    first_requested_at: new Date(repair.firstRequestedAtMs),
    last_requested_at: new Date(repair.lastRequestedAtMs),
    requests: repair.requests,
  };
}
