import type { Envelope } from '@billing/contracts/envelope';
import type { Knex } from 'knex';
import type { Producer } from 'kafkajs';
import pg from 'pg';
import type { Logger } from 'pino';
import { sendAll, toOutgoing } from './kafka';
import { backoffMs, delay } from './wait';

/**
 * Transactional outbox. A service writes its outgoing messages as rows in the same transaction as the
 * state change they announce, and the relay publishes them afterwards. Nothing is ever sent that was not
 * committed, and nothing committed is lost; a crash after the send and before the row is marked means
 * the row is sent again, which consumers absorb through their inbox.
 */
export const OUTBOX_TABLE = 'outbox';
export const OUTBOX_CHANNEL = 'outbox_pending';

export async function createOutboxTable(knex: Knex): Promise<void> {
  await knex.schema.createTable(OUTBOX_TABLE, (t) => {
    t.bigIncrements('id').primary();
    t.text('topic').notNullable();
    t.text('key').notNullable();
    t.uuid('message_id').notNullable().unique();
    t.text('type').notNullable();
    t.text('payload').notNullable();
    t.jsonb('headers').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('published_at', { useTz: true });
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error');
    t.timestamp('failed_at', { useTz: true });
  });
  await knex.raw(
    `create index outbox_pending_idx on ${OUTBOX_TABLE} (id) where published_at is null and failed_at is null`,
  );
}

export interface OutboxMessage {
  topic: string;
  key: string;
  envelope: Envelope;
}

/** Appends messages inside the caller's transaction and wakes the relay once that transaction commits. */
export async function appendToOutbox(
  trx: Knex.Transaction,
  messages: readonly OutboxMessage[],
): Promise<void> {
  if (messages.length === 0) return;
  await trx(OUTBOX_TABLE).insert(
    messages.map((m) => {
      const outgoing = toOutgoing(m.topic, m.key, m.envelope);
      return {
        topic: m.topic,
        key: m.key,
        message_id: m.envelope.messageId,
        type: m.envelope.type,
        payload: outgoing.value,
        headers: JSON.stringify(outgoing.headers),
      };
    }),
  );
  // NOTIFY inside a transaction is delivered at commit, and not at all on rollback.
  await trx.raw(`notify ${OUTBOX_CHANNEL}`);
}

export interface OutboxRelayOptions {
  knex: Knex;
  databaseUrl: string;
  producer: Producer;
  logger: Logger;
  batchSizeMax?: number;
  /** The relay also polls at this interval, so a lost notification delays a message but never strands it. */
  pollIntervalMs?: number;
  attemptsMax?: number;
  /** Different services sharing one database server must not share the leadership lock. */
  lockKey: number;
}

export interface OutboxBacklog {
  pending: number;
  failed: number;
  oldestPendingAgeMs: number | null;
}

interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  payload: string;
  headers: Record<string, string>;
  attempts: number;
}

/**
 * Publishes outbox rows in id order. Only one relay per database publishes at a time (a session-level
 * advisory lock elects it), which is what keeps messages in order per key when a service runs several
 * replicas; the others wait as hot standbys.
 */
export class OutboxRelay {
  private readonly batchSizeMax: number;
  private readonly pollIntervalMs: number;
  private readonly attemptsMax: number;
  private readonly log: Logger;
  private readonly stopping = new AbortController();
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private listener: pg.Client | null = null;
  private leader = false;

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSizeMax = options.batchSizeMax ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.attemptsMax = options.attemptsMax ?? 10;
    this.log = options.logger.child({ component: 'outbox-relay' });
  }

  isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    this.loop = this.run().catch((err) => this.log.fatal({ err }, 'outbox relay stopped'));
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.wake?.();
    await this.loop;
    await this.listener?.end().catch(() => undefined);
  }

  async backlog(): Promise<OutboxBacklog> {
    const row = await this.options
      .knex(OUTBOX_TABLE)
      .select(
        this.options.knex.raw(
          'count(*) filter (where published_at is null and failed_at is null)::int as pending',
        ),
        this.options.knex.raw('count(*) filter (where failed_at is not null)::int as failed'),
        this.options.knex.raw(
          `extract(epoch from now() - min(created_at) filter (where published_at is null and failed_at is null)) * 1000 as oldest`,
        ),
      )
      .first();
    const r = row as { pending: number; failed: number; oldest: string | null };
    return {
      pending: r.pending,
      failed: r.failed,
      oldestPendingAgeMs: r.oldest === null ? null : Math.round(Number(r.oldest)),
    };
  }

  private async run(): Promise<void> {
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      try {
        await this.connectListener();
        if (!(await this.tryLead())) {
          await delay(this.pollIntervalMs * 2, signal);
          continue;
        }
        const published = await this.publishBatch();
        if (published < this.batchSizeMax) await this.sleepUntilWoken();
      } catch (err) {
        this.log.error({ err }, 'outbox relay iteration failed');
        await this.resetListener();
        await delay(this.pollIntervalMs, signal);
      }
    }
  }

  private async connectListener(): Promise<void> {
    if (this.listener) return;
    const client = new pg.Client({
      connectionString: this.options.databaseUrl,
      application_name: 'outbox-relay',
    });
    client.on('notification', () => this.wake?.());
    client.on('error', (err) => {
      this.log.warn({ err }, 'outbox listener connection lost');
      void this.resetListener();
    });
    await client.connect();
    await client.query(`listen ${OUTBOX_CHANNEL}`);
    this.listener = client;
  }

  private async resetListener(): Promise<void> {
    const client = this.listener;
    this.listener = null;
    this.leader = false;
    await client?.end().catch(() => undefined);
  }

  /** The advisory lock lives on the listener's session, so losing that connection also gives up leadership. */
  private async tryLead(): Promise<boolean> {
    if (this.leader) return true;
    const result = await this.listener!.query<{ locked: boolean }>(
      'select pg_try_advisory_lock($1) as locked',
      [this.options.lockKey],
    );
    this.leader = result.rows[0]?.locked === true;
    if (this.leader) this.log.info('outbox relay is the leader');
    return this.leader;
  }

  private sleepUntilWoken(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.pollIntervalMs);
      const wake = () => done();
      this.wake = wake;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  private async publishBatch(): Promise<number> {
    const { knex } = this.options;
    const rows: OutboxRow[] = await knex(OUTBOX_TABLE)
      .select('id', 'topic', 'key', 'payload', 'headers', 'attempts')
      .whereNull('published_at')
      .whereNull('failed_at')
      .orderBy('id')
      .limit(this.batchSizeMax);
    if (rows.length === 0) return 0;
    try {
      await sendAll(
        this.options.producer,
        rows.map((r) => ({
          topic: r.topic,
          key: r.key,
          value: r.payload,
          headers: r.headers,
        })),
      );
    } catch (err) {
      await this.recordFailure(rows, err);
      await delay(backoffMs(Math.min(...rows.map((r) => r.attempts)) + 1, 200, 10000), this.stopping.signal);
      return 0;
    }
    await knex(OUTBOX_TABLE)
      .whereIn(
        'id',
        rows.map((r) => r.id),
      )
      .update({ published_at: knex.fn.now() });
    return rows.length;
  }

  private async recordFailure(rows: OutboxRow[], err: unknown): Promise<void> {
    const { knex } = this.options;
    this.log.warn({ err, rows: rows.length }, 'outbox publish failed');
    await knex(OUTBOX_TABLE)
      .whereIn(
        'id',
        rows.map((r) => r.id),
      )
      .update({
        attempts: knex.raw('attempts + 1'),
        last_error: String(err).slice(0, 2000),
        failed_at: knex.raw('case when attempts + 1 >= ? then now() else null end', [this.attemptsMax]),
      });
  }
}
