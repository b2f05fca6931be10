import type { Envelope } from '@billing/contracts/envelope';
import type { Knex } from 'knex';
import type { Producer } from 'kafkajs';
import pg from 'pg';
import type { Logger } from 'pino';
import { isRecordRefusal } from './errors';
import { sendAll, toOutgoing, type OutgoingMessage } from './kafka';
import { runStatement, statement } from './db';
import { beforeScrape, platformMetrics } from './metrics';
import { startPublishSpans } from './message-spans';
import { tracingEnabled } from './telemetry';
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

/**
 * Appends messages inside the caller's transaction and wakes the relay once that transaction commits,
 * in one statement: the insert runs as a data-modifying CTE beside `pg_notify`, which PostgreSQL
 * delivers at commit and not at all on rollback, like NOTIFY.
 *
 * When this process's own relay leads the database's outbox, the rows go to it directly instead: the
 * insert returns their ids, nothing is notified, and the relay gets the rows as written once the
 * transaction has committed (never on rollback), so it publishes them without reading them back. A
 * relay that cannot take them at that moment (it lost the lead, or they do not follow what it last
 * published) leaves them to a pass over the table, which finds every committed row. `inTableOrder`
 * announces them whatever the relay: for a transaction that also queued older rows again, which must
 * go out first, in id order.
 */
export async function appendToOutbox(
  trx: Knex.Transaction,
  messages: readonly OutboxMessage[],
  options: { inTableOrder?: boolean } = {},
): Promise<void> {
  if (messages.length === 0) return;
  const rows = messages.map((m) => ({ m, outgoing: toOutgoing(m.topic, m.key, m.envelope) }));
  const columns = [
    rows.map(({ m }) => m.topic),
    rows.map(({ m }) => m.key),
    rows.map(({ m }) => m.envelope.messageId),
    rows.map(({ m }) => m.envelope.type),
    rows.map(({ outgoing }) => outgoing.value),
    rows.map(({ outgoing }) => JSON.stringify(outgoing.headers)),
  ];
  const relay = options.inTableOrder ? null : relayTakingRows(trx);
  if (relay === null) {
    await runStatement(trx, APPEND, [...columns, OUTBOX_CHANNEL]);
    return;
  }
  const written = await runStatement<{ id: string; message_id: string }>(trx, APPEND_RETURNING, columns);
  const ids = new Map(written.map((r) => [r.message_id, r.id]));
  const createdAt = new Date();
  const handed: OutboxRow[] = rows.map(({ m, outgoing }) => ({
    id: ids.get(m.envelope.messageId)!,
    topic: m.topic,
    key: m.key,
    payload: outgoing.value,
    headers: outgoing.headers,
    attempts: 0,
    created_at: createdAt,
  }));
  // Settles after COMMIT (or ROLLBACK) has been answered, before the caller's own continuation.
  (trx as TransactionInternals).executionPromise!.then(
    () => relay.take(handed),
    () => undefined,
  );
}

/** What knex sets on a transaction object and does not type: nested ones have a parent. */
interface TransactionInternals {
  executionPromise?: Promise<unknown>;
  parentTransaction?: unknown;
}

/** Relays by their database, as a transaction's client shares the pool's config object. */
const localRelays = new WeakMap<object, OutboxRelay>();

function relayTakingRows(trx: Knex.Transaction): OutboxRelay | null {
  const internals = trx as TransactionInternals;
  // A savepoint's promise settles at its release, long before the rows are committed.
  if (internals.parentTransaction !== undefined || internals.executionPromise === undefined) return null;
  const relay = localRelays.get(trx.client.config as object);
  return relay?.takesRows() ? relay : null;
}

const APPEND = statement(
  'outbox_append',
  `with appended as (
     insert into ${OUTBOX_TABLE} (topic, key, message_id, type, payload, headers)
     select * from unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::jsonb[])
   )
   select pg_notify($7::text, '')`,
);

const APPEND_RETURNING = statement(
  'outbox_append_returning',
  `insert into ${OUTBOX_TABLE} (topic, key, message_id, type, payload, headers)
   select * from unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::jsonb[])
   returning id, message_id`,
);

const PENDING = statement(
  'outbox_pending',
  `select id, topic, key, payload, headers, attempts, created_at from ${OUTBOX_TABLE}
   where published_at is null and failed_at is null
   order by id
   limit $1::int`,
);

const MARK_PUBLISHED = statement(
  'outbox_mark_published',
  `update ${OUTBOX_TABLE} set published_at = now() where id = any($1::bigint[])`,
);

const DELETE_PUBLISHED = statement(
  'outbox_delete_published',
  `delete from ${OUTBOX_TABLE} where id = any($1::bigint[])`,
);

/**
 * What the relay does with a row once the broker acknowledged it. `keep` marks it published and leaves
 * it to the retention sweep (a day): for a service that sends a kept row again, as the ledger does when
 * the read side asks for events it missed. `delete` removes it: marking rewrites the whole row and its
 * index entries, the sweep deletes it again later, and a day of rows is most of the table's size (three
 * rows per transfer for the orchestrator), all for rows nobody reads again.
 */
export type PublishedRows = 'keep' | 'delete';

export interface OutboxRelayOptions {
  knex: Knex;
  databaseUrl: string;
  producer: Producer;
  logger: Logger;
  batchSizeMax?: number;
  /** The relay also polls at this interval, so a lost notification delays a message but never strands it. */
  pollIntervalMs?: number;
  /** Back-off bound between publish attempts while the broker refuses or is unreachable. */
  backoffMaxMs?: number;
  /** Different services sharing one database server must not share the leadership lock. */
  lockKey: number;
  /** Where a row the broker refuses for the row's own reason (too large, invalid) is dead-lettered. */
  deadLetterTopic?: string;
  /**
   * Called with the rows of each publish once the broker acknowledged them: what a service counts about
   * what it announced (postings, rejections, finished sagas) is counted only once it is committed and sent.
   */
  published?: (rows: readonly PublishedRow[]) => void;
  /** Default `keep`. */
  publishedRows?: PublishedRows;
}

/** A published outbox row as the `published` hook sees it. */
export interface PublishedRow {
  topic: string;
  /** The envelope's type (the `message-type` header). */
  type: string;
  /** The envelope as JSON. */
  payload: string;
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
  created_at: Date;
}

/** What the relay saw on its last pass: cheap to read (no query), so readiness can report it. */
export interface RelayProgress {
  /** Age of the oldest row still waiting, as of the last pass; null when nothing waited. */
  oldestPendingAgeMs: number | null;
  /** Consecutive failed publish attempts; 0 once a publish succeeded. */
  failingSince: string | null;
  consecutiveFailures: number;
  lastPublishedAt: string | null;
  deadLettered: number;
}

/**
 * Publishes outbox rows in id order. Only one relay per database publishes at a time (a session-level
 * advisory lock elects it), which is what keeps messages in order per key when a service runs several
 * replicas; the others wait as hot standbys.
 */
export class OutboxRelay {
  private readonly batchSizeMax: number;
  private readonly pollIntervalMs: number;
  private readonly backoffMaxMs: number;
  /** Set by a notification; a pass that starts afterwards sees the rows it announced. */
  private woken = false;
  /** Rows this process's transactions committed and handed over (appendToOutbox), not yet sent. */
  private taken: { row: OutboxRow; seq: bigint }[] = [];
  /**
   * The id of the last row published, once a pass over the table has published any: taken rows are sent
   * as they are only when their ids follow it without a gap, so that no older committed row can be
   * waiting in the table. Anything else goes through a pass over the table, in id order.
   */
  private lastPublishedId: bigint | null = null;
  private oldestPendingAt: number | null = null;
  private readonly progressState: Omit<RelayProgress, 'oldestPendingAgeMs'> = {
    failingSince: null,
    consecutiveFailures: 0,
    lastPublishedAt: null,
    deadLettered: 0,
  };
  private readonly log: Logger;
  private readonly stopping = new AbortController();
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private listener: pg.Client | null = null;
  private leader = false;

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSizeMax = options.batchSizeMax ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.backoffMaxMs = options.backoffMaxMs ?? 30_000;
    this.log = options.logger.child({ component: 'outbox-relay' });
  }

  isLeader(): boolean {
    return this.leader;
  }

  /** The backlog as of the last pass, without a query. */
  progress(): RelayProgress {
    return {
      ...this.progressState,
      oldestPendingAgeMs: this.oldestPendingAt === null ? null : Date.now() - this.oldestPendingAt,
    };
  }

  private unregisterMetrics: (() => void) | null = null;

  start(): void {
    localRelays.set(this.options.knex.client.config as object, this);
    // One indexed count per scrape (the pending rows are a partial index), not one per pass.
    this.unregisterMetrics = beforeScrape(async () => {
      const b = await this.backlog();
      platformMetrics.outboxBacklog.labels('pending').set(b.pending);
      platformMetrics.outboxBacklog.labels('failed').set(b.failed);
      platformMetrics.outboxOldestAge.set((b.oldestPendingAgeMs ?? 0) / 1000);
    });
    this.loop = this.run().catch((err) => this.log.fatal({ err }, 'outbox relay stopped'));
  }

  async stop(): Promise<void> {
    if (localRelays.get(this.options.knex.client.config as object) === this) {
      localRelays.delete(this.options.knex.client.config as object);
    }
    this.unregisterMetrics?.();
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
    client.on('notification', () => {
      this.woken = true;
      this.wake?.();
    });
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
    this.lastPublishedId = null;
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

  /**
   * Sleeps until a notification or the poll interval. A notification that arrived while the last pass
   * was publishing is not lost: the flag it set makes this return at once, for another pass.
   */
  private sleepUntilWoken(): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    if (this.taken.length > 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        this.woken = false;
        resolve();
      };
      const timer = setTimeout(done, this.pollIntervalMs);
      this.wake = done;
    });
  }

  /**
   * Whether rows committed from now on may be handed over instead of announced: only to the leader, and
   * only once it knows which id comes next.
   */
  takesRows(): boolean {
    return this.leader && this.lastPublishedId !== null && !this.stopping.signal.aborted;
  }

  /** Rows a transaction of this process committed; published by the next pass of the loop. */
  take(rows: readonly OutboxRow[]): void {
    // A relay that lost the lead meanwhile leaves them to the new leader's pass over the table.
    if (this.stopping.signal.aborted || !this.leader) return;
    for (const row of rows) this.taken.push({ row, seq: BigInt(row.id) });
    this.wake?.();
  }

  /**
   * The taken rows to send as they are: up to a batch of them, if they follow the last published id
   * without a gap. Otherwise null, and they are dropped: they are committed, so the pass over the table
   * that follows publishes them in order with whatever else waits there.
   */
  private takeContiguous(): OutboxRow[] | null {
    if (this.taken.length === 0 || this.woken || this.lastPublishedId === null) return null;
    // Transactions hand their rows over in commit order, which is id order unless two overlapped.
    const taken = this.taken;
    for (let i = 1; i < taken.length; i++) {
      if (taken[i]!.seq < taken[i - 1]!.seq) {
        taken.sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
        break;
      }
    }
    let expected = this.lastPublishedId + 1n;
    const rows: OutboxRow[] = [];
    for (const { row, seq } of taken) {
      if (rows.length === this.batchSizeMax || seq !== expected) break;
      rows.push(row);
      expected++;
    }
    if (rows.length === 0) {
      this.taken = [];
      return null;
    }
    this.taken = this.taken.slice(rows.length);
    return rows;
  }

  private async publishBatch(): Promise<number> {
    const taken = this.takeContiguous();
    if (taken !== null) {
      const published = await this.publishRows(taken);
      // Nothing older waits in the table, or these rows would not have followed the last published id.
      if (published === taken.length) this.oldestPendingAt = null;
      return published;
    }
    this.taken = [];
    // Cleared before reading, so a notification for rows committed after this read triggers another pass.
    this.woken = false;
    const rows = await runStatement<OutboxRow>(this.options.knex, PENDING, [this.batchSizeMax]);
    this.oldestPendingAt = rows[0] ? new Date(rows[0].created_at).getTime() : null;
    if (rows.length === 0) return 0;
    return this.publishRows(rows);
  }

  private async publishRows(rows: readonly OutboxRow[]): Promise<number> {
    try {
      await this.send(rows);
    } catch (err) {
      // Whatever happens to these rows now, what follows them is found by a pass over the table.
      this.lastPublishedId = null;
      if (!isRecordRefusal(err)) return this.failed(rows, err);
      // One of the rows is refused for its own reason: find it by sending one by one, in order.
      return this.publishOneByOne(rows);
    }
    await this.markPublished(rows);
    this.lastPublishedId = BigInt(rows.at(-1)!.id);
    return rows.length;
  }

  /**
   * Sends rows as stored. With tracing on, each row gets a producer span, a child of the context stored
   * with the row (the transaction that wrote it) that starts when the row was written, so the time a
   * message waited in the outbox shows in its trace; the span's context replaces the stored one in the
   * headers sent. With tracing off the stored headers go out untouched.
   */
  private async send(rows: readonly OutboxRow[]): Promise<void> {
    if (!tracingEnabled()) {
      await sendAll(this.options.producer, rows.map(toRecord));
      this.countPublished(rows);
      return;
    }
    const spans = startPublishSpans(
      rows.map(toRecord),
      rows.map((r) => new Date(r.created_at)),
    );
    try {
      await sendAll(this.options.producer, spans.records);
    } catch (err) {
      spans.end(err);
      throw err;
    }
    spans.end(null);
    this.countPublished(rows);
  }

  private countPublished(rows: readonly OutboxRow[]): void {
    // One label lookup per topic of the pass, not per row.
    const byTopic = new Map<string, number>();
    for (const r of rows) byTopic.set(r.topic, (byTopic.get(r.topic) ?? 0) + 1);
    for (const [topic, n] of byTopic) platformMetrics.outboxPublished.labels(topic).inc(n);
    if (!this.options.published) return;
    try {
      this.options.published(
        rows.map((r) => ({ topic: r.topic, type: r.headers['message-type'] ?? '', payload: r.payload })),
      );
    } catch (err) {
      this.log.warn({ err }, 'the published hook failed');
    }
  }

  private async markPublished(rows: readonly OutboxRow[]): Promise<void> {
    if (rows.length === 0) return;
    const done = this.options.publishedRows === 'delete' ? DELETE_PUBLISHED : MARK_PUBLISHED;
    await runStatement(this.options.knex, done, [rows.map((r) => r.id)]);
    this.progressState.consecutiveFailures = 0;
    this.progressState.failingSince = null;
    this.progressState.lastPublishedAt = new Date().toISOString();
  }

  /**
   * Sends rows one at a time, in order, after a batch was refused because of one of them. A row the
   * broker refuses for its own reason is dead-lettered and marked failed; any other failure stops the
   * pass (and is retried), so no committed row is ever given up because of another row's trouble.
   */
  private async publishOneByOne(rows: readonly OutboxRow[]): Promise<number> {
    let published = 0;
    for (const row of rows) {
      try {
        await this.send([row]);
        await this.markPublished([row]);
        published++;
      } catch (err) {
        if (!isRecordRefusal(err)) {
          await this.failed([row], err);
          return published;
        }
        await this.deadLetter(row, err);
      }
    }
    return published;
  }

  private async deadLetter(row: OutboxRow, err: unknown): Promise<void> {
    const { knex } = this.options;
    this.log.error(
      {
        err,
        id: row.id,
        topic: row.topic,
        correlationId: row.headers['correlation-id'],
        messageId: row.headers['message-id'],
      },
      'broker refused an outbox row; dead-lettering it',
    );
    if (this.options.deadLetterTopic) {
      await sendAll(this.options.producer, [
        {
          topic: this.options.deadLetterTopic,
          key: row.key,
          // The refused payload itself may be what is too large: the row stays in the table for replay.
          value: JSON.stringify({ outboxId: row.id, topic: row.topic, key: row.key }),
          headers: {
            ...row.headers,
            'dlq-error-code': 'MESSAGE.REFUSED_BY_BROKER',
            'dlq-error-detail': String(err).slice(0, 1000),
            'dlq-original-topic': row.topic,
          },
        },
      ]);
      platformMetrics.deadLetters.labels(row.topic, 'MESSAGE.REFUSED_BY_BROKER').inc();
    }
    await knex(OUTBOX_TABLE)
      .where({ id: row.id })
      .update({
        attempts: knex.raw('attempts + 1'),
        last_error: String(err).slice(0, 2000),
        failed_at: knex.fn.now(),
      });
    this.progressState.deadLettered++;
  }

  /**
   * The broker is unreachable or refuses for a reason of its own (no leader, not authorized): the rows
   * stay pending, their attempts and last error are recorded, and the relay backs off. It never gives up
   * on a committed row; the backlog's age (readiness, metrics) is what tells a person.
   */
  private async failed(rows: readonly OutboxRow[], err: unknown): Promise<number> {
    const { knex } = this.options;
    this.progressState.consecutiveFailures++;
    this.progressState.failingSince ??= new Date().toISOString();
    this.log.warn(
      { err, rows: rows.length, consecutiveFailures: this.progressState.consecutiveFailures },
      'outbox publish failed; retrying',
    );
    await knex(OUTBOX_TABLE)
      .whereIn(
        'id',
        rows.map((r) => r.id),
      )
      .update({ attempts: knex.raw('attempts + 1'), last_error: String(err).slice(0, 2000) });
    await delay(
      backoffMs(this.progressState.consecutiveFailures, 200, this.backoffMaxMs),
      this.stopping.signal,
    );
    return 0;
  }
}

function toRecord(r: OutboxRow): OutgoingMessage {
  return { topic: r.topic, key: r.key, value: r.payload, headers: r.headers };
}
