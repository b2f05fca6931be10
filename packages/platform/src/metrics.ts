import client, { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The process's one Prometheus registry. Every service exposes it on GET /metrics (see http-metrics.ts);
 * the platform's own metrics (HTTP, consumers, outbox, dead letters) are defined here once, and a service
 * adds its own through `counter`, `gauge` and `histogram`, which return the existing metric when a second
 * instance of a component (an in-process test harness) asks for the same name again.
 */
export const metricsRegistry: Registry = processWide('registry', () => new Registry());

/**
 * One per process even when this module is loaded twice (a test runner that loads a package through
 * its own module graph and again through Node's): two registries would each hold half the metrics.
 */
function processWide<T>(name: string, create: () => T): T {
  const key = Symbol.for(`@billing/platform/metrics.${name}`);
  const g = globalThis as unknown as Record<symbol, T | undefined>;
  return (g[key] ??= create());
}

type Labels<L extends string> = { name: string; help: string; labelNames?: readonly L[] };

function existing<M>(name: string): M | undefined {
  return metricsRegistry.getSingleMetric(name) as M | undefined;
}

export function counter<L extends string>(config: Labels<L>): Counter<L> {
  return existing<Counter<L>>(config.name) ?? new Counter({ ...config, registers: [metricsRegistry] });
}

export function gauge<L extends string>(config: Labels<L>): Gauge<L> {
  return existing<Gauge<L>>(config.name) ?? new Gauge({ ...config, registers: [metricsRegistry] });
}

export function histogram<L extends string>(config: Labels<L> & { buckets: number[] }): Histogram<L> {
  return existing<Histogram<L>>(config.name) ?? new Histogram({ ...config, registers: [metricsRegistry] });
}

/** Seconds, from a millisecond to a minute: request, handler and saga durations. */
export const DURATION_BUCKETS_S = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** The platform's metrics; names and labels are what the dashboard (infra/observability) queries. */
export const platformMetrics = {
  httpDuration: histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method, route template and status code.',
    labelNames: ['method', 'route', 'status'],
    buckets: DURATION_BUCKETS_S,
  }),
  consumerLag: gauge({
    name: 'kafka_consumer_lag_messages',
    help: 'Messages behind the partition end, as of the last batch handled.',
    labelNames: ['topic', 'partition'],
  }),
  consumerBatchSize: histogram({
    name: 'kafka_consumer_batch_size_messages',
    help: 'Messages per handler call (one database transaction), per topic and partition.',
    labelNames: ['topic', 'partition'],
    buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
  }),
  consumerMessages: counter({
    name: 'kafka_consumer_messages_total',
    help: 'Messages handled (committed) per topic.',
    labelNames: ['topic'],
  }),
  handlerDuration: histogram({
    name: 'kafka_handler_duration_seconds',
    help: 'Handler calls per topic, from the parsed batch to its committed transaction.',
    labelNames: ['topic', 'outcome'],
    buckets: DURATION_BUCKETS_S,
  }),
  deadLetters: counter({
    name: 'dead_letters_total',
    help: 'Messages sent to the dead-letter topic, by original topic and reason code.',
    labelNames: ['topic', 'reason'],
  }),
  outboxBacklog: gauge({
    name: 'outbox_backlog_rows',
    help: 'Outbox rows not yet published (pending) or given up on (failed), as of the last scrape.',
    labelNames: ['state'],
  }),
  outboxOldestAge: gauge({
    name: 'outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest outbox row still waiting to be published; 0 when none waits.',
  }),
  kafkaRequests: counter({
    name: 'kafka_client_requests_total',
    help: 'Requests this process sent to the brokers, by client kind (consumer, producer, admin) and API (Fetch, Produce, OffsetCommit, Heartbeat, ...).',
    labelNames: ['client', 'api'],
  }),
  dbStatements: counter({
    name: 'db_client_statements_total',
    help: 'SQL statements this process sent to PostgreSQL, by their first keyword (select, insert, update, begin, commit, ...).',
    labelNames: ['kind'],
  }),
  outboxPublished: counter({
    name: 'outbox_published_total',
    help: 'Outbox rows published to the broker, per topic.',
    labelNames: ['topic'],
  }),
};

/** The consumer metrics of one partition, their label lookups done once (a lookup hashes its labels). */
export interface PartitionMeters {
  messages: ReturnType<Counter<string>['labels']>;
  lag: ReturnType<Gauge<string>['labels']>;
  batchSize: ReturnType<Histogram<string>['labels']>;
  handlerOk: ReturnType<Histogram<string>['labels']>;
  handlerError: ReturnType<Histogram<string>['labels']>;
  /** Counts a batch handled up to `nextOffset`, and the lag behind the fetch's high watermark. */
  handled(size: number, highWatermark: string, nextOffset: string): void;
}

const partitionMeters = new Map<string, PartitionMeters>();

export function consumerMeters(topic: string, partition: number): PartitionMeters {
  const key = `${topic}/${partition}`;
  let m = partitionMeters.get(key);
  if (m) return m;
  const p = String(partition);
  const messages = platformMetrics.consumerMessages.labels(topic);
  const lag = platformMetrics.consumerLag.labels(topic, p);
  m = {
    messages,
    lag,
    batchSize: platformMetrics.consumerBatchSize.labels(topic, p),
    handlerOk: platformMetrics.handlerDuration.labels(topic, 'ok'),
    handlerError: platformMetrics.handlerDuration.labels(topic, 'error'),
    handled(size, highWatermark, nextOffset) {
      messages.inc(size);
      const behind = BigInt(highWatermark) - BigInt(nextOffset);
      lag.set(behind > 0n ? Number(behind) : 0);
    },
  };
  partitionMeters.set(key, m);
  return m;
}

/** Work done right before every scrape, e.g. a gauge read from the database. */
type ScrapeHook = () => Promise<void>;
const scrapeHooks = processWide('scrapeHooks', () => new Set<ScrapeHook>());

/** Runs `hook` before every scrape until the returned function is called. */
export function beforeScrape(hook: ScrapeHook): () => void {
  scrapeHooks.add(hook);
  return () => scrapeHooks.delete(hook);
}

/** prom-client's default process metrics: CPU, memory, heap, GC, event-loop delay; once per process. */
export function collectProcessMetrics(): void {
  if (metricsRegistry.getSingleMetric('process_cpu_user_seconds_total')) return;
  client.collectDefaultMetrics({ register: metricsRegistry, eventLoopMonitoringPrecision: 20 });
}

/**
 * The registry in the Prometheus text format. A failing hook (the database away) is reported as
 * `metrics_scrape_errors_total` instead of failing the whole scrape, so process metrics still arrive.
 */
export async function renderMetrics(): Promise<{ contentType: string; body: string }> {
  const results = await Promise.allSettled([...scrapeHooks].map((hook) => hook()));
  const failures = results.filter((r) => r.status === 'rejected').length;
  if (failures > 0) scrapeErrors.inc(failures);
  return { contentType: metricsRegistry.contentType, body: await metricsRegistry.metrics() };
}

const scrapeErrors = counter({
  name: 'metrics_scrape_errors_total',
  help: 'Scrape-time collections that failed (e.g. a gauge read from an unreachable database).',
});

/** Every metric name the process registers, with the suffixes Prometheus adds to histograms. */
export async function registeredMetricNames(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const m of await metricsRegistry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
    if (String(m.type) === 'summary') for (const s of ['_sum', '_count']) names.add(m.name + s);
  }
  return names;
}
