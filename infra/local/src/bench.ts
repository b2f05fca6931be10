import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createDatabase, dropDatabase } from '@billing/platform/db';
import { loadBrokerIdentities } from '@billing/platform/kafka-identities';
import { startSimulator } from '@billing/provider-simulator/simulator';
import { provision } from './provision';
import path from 'node:path';
import { REPO_ROOT, SERVICE_NODE_OPTIONS, SERVICES } from './services';
import { superviseServices, type Supervisor } from './supervisor';
import { freePort } from './ports';
import { renderChart, type ChartScenario } from './bench-chart';
import { followReading, isSuccess, isZeroDecimal, scenarioCpu, type Sample } from './bench-report';
import {
  clockTicksPerSecond,
  cpuSources,
  gitCommit,
  POSTGRES_ALL,
  readCpu,
  readRequestCounts,
  scenarioRequests,
} from './bench-probes';
import { formatScenario, summarise, type ScenarioReport, type ScenarioRun } from './bench-summary';
import { BenchHttp } from './bench-http';
import type { paths } from '@billing/client/generated/api';

/**
 * `npm run bench`: throughput and latency of the whole system on this machine, scenario by scenario,
 * with each service's memory. It starts a system of its own (own topic prefix, databases and ports, so
 * it never touches `npm start`'s data) unless --url names a running gateway. Bounded in time and only
 * ever aimed at this machine. Figures, not assertions: the targets are judged by reading them.
 * Per scenario it also measures each process's CPU from /proc, and at the end it writes a JSON report
 * (settings, results, a per-second time series, the conservation checks) and an SVG chart beside it.
 *
 *   uniform   transfers between random pairs of many accounts
 *   hot       90 % of transfers touch one of 10 hot accounts
 *   mixed     transfers, payments and refunds of them, and balance reads
 *   reads     GET /accounts/:id/balance only
 */
const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    scenarios: { type: 'string', default: 'uniform,hot,mixed,reads' },
    seconds: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '64' },
    'read-concurrency': { type: 'string', default: '32' },
    accounts: { type: 'string', default: '200' },
    /** Most messages per consumer transaction in the system it starts; 1 switches batching off. */
    'batch-size': { type: 'string', default: '500' },
    /** Where the JSON report goes (the chart goes beside it, .svg); default .local/bench/<run>.json. */
    report: { type: 'string' },
    /** A line of text carried into the report and the chart, e.g. what the run is an example of. */
    note: { type: 'string' },
  },
});
const SECONDS = Math.min(Math.max(Number(values.seconds), 1), 300);
const CONCURRENCY = Math.min(Math.max(Number(values.concurrency), 1), 512);
const READ_CONCURRENCY = Math.min(Math.max(Number(values['read-concurrency']), 1), 512);
const ACCOUNTS = Math.min(Math.max(Number(values.accounts), 12), 5000);
const BATCH = Math.min(Math.max(Number(values['batch-size']), 1), 10_000);
const KEY = 'bench-admin-key-000001';
/** How often the CPU of every measured process is read during a scenario (see followReading). */
const CPU_FOLLOW_MS = 250;
const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;

/** The routes the bench writes to, and the JSON body each takes. */
type WritePath =
  | '/api/v1/accounts'
  | '/api/v1/transactions/topup'
  | '/api/v1/transactions/transfer'
  | '/api/v1/transactions/payment'
  | '/api/v1/transactions/refund';
type WriteBody<P extends WritePath> = NonNullable<
  paths[P]['post']['requestBody']
>['content']['application/json'];
/** The routes the bench reads. */
type ReadPath = Extract<keyof paths, '/api/v1/accounts/{id}/balance' | '/api/v1/reports/trial-balance'>;

interface Result extends ScenarioRun {
  samples: Sample[];
  outcomes: Map<string, number>;
}

/** What a call answered, a refusal included: the bench counts problems as outcomes, it does not throw. */
interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * The bench's calls as raw answers: a problem's body is an outcome like a transaction's. Routes and
 * bodies are typed from the gateway's generated document (a route that changes there stops the bench
 * compiling); the requests go through the bench's own light HTTP client (bench-http.ts), one keep-alive
 * socket per concurrent call.
 */
class Client {
  private readonly http: BenchHttp;

  constructor(
    readonly base: string,
    key: string,
  ) {
    const host = new URL(base).hostname;
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(host))
      throw new Error('the benchmark only targets this machine');
    this.http = new BenchHttp(base, { 'x-api-key': key });
  }

  /** Idempotency-Key and Prefer: wait=30 for a money movement or an account opening. */
  static writing(idempotencyKey: string) {
    return { 'idempotency-key': idempotencyKey, prefer: 'wait=30' };
  }

  async post<P extends WritePath>(
    path: P,
    body: WriteBody<P>,
    idempotencyKey: string,
  ): Promise<Record<string, unknown>> {
    return (await this.http.request('POST', path, body, Client.writing(idempotencyKey))).body;
  }

  balance(id: string): Promise<Answer> {
    const path: ReadPath = '/api/v1/accounts/{id}/balance';
    return this.http.request('GET', path.replace('{id}', encodeURIComponent(id)));
  }

  trialBalance(): Promise<Answer> {
    const path: ReadPath = '/api/v1/reports/trial-balance';
    return this.http.request('GET', path);
  }

  close(): void {
    this.http.close();
  }
}

/** Runs `work` from `concurrency` loops until the time is up, timing each call. */
async function timed(
  concurrency: number,
  seconds: number,
  work: (i: number) => Promise<string>,
): Promise<Result> {
  const samples: Sample[] = [];
  const outcomes = new Map<string, number>();
  const deadline = performance.now() + seconds * 1000;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const i = next++;
        const t0 = performance.now();
        const outcome = await work(i).catch((err: unknown) => `error:${(err as Error).name}`);
        const t1 = performance.now();
        samples.push({ endMs: t1 - started, latencyMs: t1 - t0, outcome });
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }
    }),
  );
  return {
    samples,
    outcomes,
    seconds: (performance.now() - started) / 1000,
  };
}

async function setUp(client: Client): Promise<{ bank: string; users: string[] }> {
  const open = async (ownerId: string, type: 'USER' | 'EXTERNAL') =>
    (
      await client.post(
        '/api/v1/accounts',
        { ownerId, ownerType: 'user', currency: 'USD', type },
        `bench-open-${run}-${ownerId}`,
      )
    ).id as string;
  const bank = await open(`bench-bank-${run}`, 'EXTERNAL');
  const users: string[] = [];
  for (let i = 0; i < ACCOUNTS; i += 20) {
    const ids = await Promise.all(
      Array.from({ length: Math.min(20, ACCOUNTS - i) }, (_, j) => open(`bench-${run}-${i + j}`, 'USER')),
    );
    users.push(...ids);
  }
  for (let i = 0; i < users.length; i += 50) {
    await Promise.all(
      users
        .slice(i, i + 50)
        .map((u, j) =>
          client.post(
            '/api/v1/transactions/topup',
            { sourceAccountId: bank, destinationAccountId: u, amount: '1000000.00', currency: 'USD' },
            `bench-fund-${run}-${i + j}`,
          ),
        ),
    );
  }
  return { bank, users };
}

function pairOf(users: string[], i: number, hot: boolean): [string, string] {
  // A fixed pseudo-random walk, so runs are comparable.
  const h = (x: number) => (Math.imul(x ^ 0x9e3779b9, 0x85ebca6b) >>> 0) % users.length;
  const pick = (x: number) => (hot && h(x * 31 + 7) % 10 !== 0 ? users[h(x) % 10]! : users[h(x)]!);
  const from = pick(i * 2);
  let to = pick(i * 2 + 1);
  if (to === from) to = users[(users.indexOf(from) + 1) % users.length]!;
  return [from, to];
}

async function scenario(name: string, client: Client, accounts: { users: string[] }): Promise<Result> {
  const { users } = accounts;
  const transfer = async (i: number, hot: boolean) => {
    const [from, to] = pairOf(users, i, hot);
    const r = await client.post(
      '/api/v1/transactions/transfer',
      { sourceAccountId: from, destinationAccountId: to, amount: '1.00', currency: 'USD' },
      `bench-${name}-${run}-${i}`,
    );
    return String(r.status ?? r.code);
  };
  switch (name) {
    case 'uniform':
      return timed(CONCURRENCY, SECONDS, (i) => transfer(i, false));
    case 'hot':
      return timed(CONCURRENCY, SECONDS, (i) => transfer(i, true));
    case 'reads':
      return timed(READ_CONCURRENCY, SECONDS, async (i) => {
        const r = await client.balance(users[i % users.length]!);
        return r.status === 200 ? 'read' : `read-${r.status}`;
      });
    case 'mixed': {
      const payments: string[] = [];
      return timed(CONCURRENCY, SECONDS, async (i) => {
        const kind = i % 10;
        if (kind < 5) return transfer(i, false);
        if (kind < 8) {
          const r = await client.balance(users[i % users.length]!);
          return r.status === 200 ? 'read' : `read-${r.status}`;
        }
        if (kind === 8 || payments.length === 0) {
          const [from, to] = pairOf(users, i, false);
          const r = await client.post(
            '/api/v1/transactions/payment',
            { customerAccountId: from, merchantAccountId: to, amount: '2.00', currency: 'USD' },
            `bench-pay-${run}-${i}`,
          );
          if (r.status === 'completed') payments.push(r.transactionId as string);
          return `payment-${String(r.status ?? r.code)}`;
        }
        const payment = payments.shift()!;
        const r = await client.post(
          '/api/v1/transactions/refund',
          { originalPaymentId: payment, amount: '1.00', currency: 'USD' },
          `bench-refund-${run}-${i}`,
        );
        return `refund-${String(r.status ?? r.code)}`;
      });
    }
    default:
      throw new Error(`unknown scenario ${name}`);
  }
}

function rssMiB(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : null;
  } catch {
    return null;
  }
}

interface OwnSystem {
  url: string;
  supervisor: Supervisor;
  ledgerDatabaseUrl: string;
  databaseServerUrl: string;
  /** Names of the databases of its services, to find their PostgreSQL backends. */
  databases: string[];
  /** Each service's `/metrics`, for the Kafka requests it sent. */
  metricsUrls: Record<string, string>;
  stop: () => Promise<void>;
}

/** Runs the real `ledger:verify` against the bench system's ledger database; true when every check passed. */
function verifyLedger(databaseUrl: string): Promise<{ ok: boolean; summary: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [path.join(REPO_ROOT, 'services/account-ledger/dist/verify/verify.cli.js')],
      {
        env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl },
      },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => {
      const summary =
        /\d+ of \d+ checks passed[^\n]*/.exec(output)?.[0] ?? output.trim().split('\n').at(-1) ?? '';
      resolve({ ok: code === 0, summary });
    });
  });
}

const SERVICE_OVERRIDE = 'BENCH_SERVICE_';

/** The `BENCH_SERVICE_`-prefixed variables of the bench's environment, without their prefix. */
function serviceOverrides(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env))
    if (name.startsWith(SERVICE_OVERRIDE) && name.length > SERVICE_OVERRIDE.length && value !== undefined)
      out[name.slice(SERVICE_OVERRIDE.length)] = value;
  return out;
}

async function startOwnSystem(): Promise<OwnSystem> {
  const kafkaBrokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  const databaseServerUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const identities = loadBrokerIdentities(process.env);
  const topicPrefix = `bench-${run}.`;
  const urls = await provision({
    kafkaBrokers,
    databaseServerUrl,
    topicPrefix,
    databaseSuffix: `_bench_${run}`,
    kafkaSecurity: identities.admin,
  });
  const simulator = await startSimulator({ port: 0 });
  const ports: Record<string, number> = {};
  for (const s of SERVICES) ports[s.name] = await freePort();
  const logs: string[] = [];
  const supervisor = superviseServices(
    SERVICES.map((s) => ({
      name: s.name,
      env: {
        PORT: String(ports[s.name]),
        KAFKA_BROKERS: kafkaBrokers.join(','),
        KAFKA_TOPIC_PREFIX: topicPrefix,
        ...identities.serviceEnv(s.name),
        PROVIDER_URL: simulator.url,
        LOG_LEVEL: 'warn',
        CONSUMER_BATCH_MAX: String(BATCH),
        ...(urls[s.name] ? { DATABASE_URL: urls[s.name]! } : {}),
        ...(s.name === 'command-gateway'
          ? {
              API_KEYS: JSON.stringify([{ key: KEY, role: 'admin' }]),
              RATE_LIMIT_PER_SECOND: '100000',
              RATE_LIMIT_BURST: '100000',
            }
          : {}),
      },
    })),
    {
      color: false,
      // The services' own V8 flags, then BENCH_NODE_OPTIONS, which reaches the services only (e.g.
      // --cpu-prof to profile them under load; a flag given twice takes the later value).
      // BENCH_SERVICE_<NAME>=<value> reaches every service as <NAME>=<value>, for comparing a setting
      // (e.g. BENCH_SERVICE_DATABASE_CONNECTION_LIFETIME_MS=0) without editing anything; what the bench
      // sets for a service itself (ports, databases, batch size) stays as it sets it.
      baseEnv: {
        PATH: process.env.PATH ?? '',
        NODE_OPTIONS: [SERVICE_NODE_OPTIONS, process.env.BENCH_NODE_OPTIONS ?? ''].join(' ').trim(),
        ...serviceOverrides(process.env),
      },
      // Kept for a start-up failure's report; the run itself is quiet.
      onLine: (name, line) => void logs.push(`${name} | ${line}`),
    },
  );
  const stop = async () => {
    await supervisor.stop();
    await simulator.close();
    for (const url of Object.values(urls)) await dropDatabase(url);
  };
  for (const port of Object.values(ports)) {
    const until = Date.now() + 90_000;
    for (;;) {
      const res = await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => null);
      if (res?.status === 200) break;
      if (Date.now() > until) {
        await stop();
        throw new Error(`service on port ${port} did not become ready:\n${logs.slice(-30).join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return {
    url: `http://127.0.0.1:${ports['command-gateway']}`,
    supervisor,
    ledgerDatabaseUrl: urls['account-ledger']!,
    databaseServerUrl,
    databases: Object.values(urls).map((u) => decodeURIComponent(new URL(u).pathname.slice(1))),
    metricsUrls: Object.fromEntries(
      SERVICES.map((s) => [s.name, `http://127.0.0.1:${ports[s.name]}/metrics`]),
    ),
    stop,
  };
}

interface Conservation {
  trialBalance: { status: number; currencies: { currency: string; net: string }[]; unbalanced: string[] };
  ledgerVerify: { ok: boolean; summary: string } | null;
  ok: boolean;
}

/**
 * Waits, for at most a minute, until the read side has applied every event on the broker: the trial
 * balance is read from the read models, which follow the ledger, and an entry whose postings are still
 * being applied (one account's half parked behind an earlier event) nets to its amount until they are.
 * Against a running system (`--url`) there is no way to tell, and the balance is read at once.
 */
async function readSideAtRest(own: OwnSystem | null): Promise<string> {
  if (!own) return 'not awaited (a running system)';
  const url = own.metricsUrls['projection-query']!;
  const started = performance.now();
  let lagging = Number.NaN;
  while (performance.now() - started < 60_000) {
    const text = await fetch(url)
      .then((r) => r.text())
      .catch(() => '');
    const lags = [...text.matchAll(/^projection_consumer_lag_messages\{[^}]*\} (\S+)$/gm)].map((m) =>
      Number(m[1]),
    );
    lagging = lags.reduce((sum, l) => sum + l, 0);
    if (lags.length > 0 && lagging === 0)
      return `caught up ${((performance.now() - started) / 1000).toFixed(1)} s after the last call`;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return `still ${Number.isNaN(lagging) ? 'unknown' : lagging} events behind after 60 s`;
}

/** Money is conserved whatever the load did: every currency nets to zero, and every ledger check holds. */
async function checkConservation(client: Client, own: OwnSystem | null): Promise<Conservation> {
  console.log(`read side: ${await readSideAtRest(own)}`);
  const trial = await client.trialBalance();
  const currencies = (trial.body.currencies ?? []) as { currency: string; net: string }[];
  const unbalanced = currencies.filter((c) => !isZeroDecimal(String(c.net))).map((c) => c.currency);
  console.log(
    `trial balance: ${currencies.map((c) => `${c.currency} net ${c.net}`).join(', ') || trial.status}`,
  );
  const ledgerVerify = own ? await verifyLedger(own.ledgerDatabaseUrl) : null;
  if (ledgerVerify) console.log(`ledger:verify: ${ledgerVerify.summary}`);
  return {
    trialBalance: { status: trial.status, currencies, unbalanced },
    ledgerVerify,
    ok: trial.status === 200 && unbalanced.length === 0 && (ledgerVerify?.ok ?? true),
  };
}

function writeReport(report: Record<string, unknown>, scenarios: readonly ChartScenario[]): void {
  const jsonPath = path.resolve(values.report ?? path.join(REPO_ROOT, '.local', 'bench', `${run}.json`));
  const svgPath = `${jsonPath.replace(/\.json$/i, '')}.svg`;
  mkdirSync(path.dirname(jsonPath), { recursive: true });
  // Three decimals are more than the measurement's precision, and keep the file readable.
  const rounded = (_: string, v: unknown) =>
    typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 1000) / 1000 : v;
  writeFileSync(jsonPath, `${JSON.stringify(report, rounded, 2)}\n`);
  const subtitle = [
    ...(values.note ? [values.note] : []),
    `${SECONDS} s per scenario, concurrency ${CONCURRENCY} (reads ${READ_CONCURRENCY}), ${ACCOUNTS} accounts, consumer batch ${BATCH}`,
    `${os.availableParallelism()} CPUs, node ${process.version}, run ${run} at ${new Date().toISOString().slice(0, 16)}Z`,
  ];
  writeFileSync(
    svgPath,
    renderChart('npm run bench: completed calls and latency per second', subtitle, scenarios),
  );
  console.log(`report: ${jsonPath}\nchart: ${svgPath}`);
}

async function main(): Promise<void> {
  const own = values.url ? null : await startOwnSystem();
  const client = new Client(
    values.url ?? own!.url,
    values.url ? (process.env.BENCH_KEY ?? 'dev-admin-key') : KEY,
  );
  const db = createDatabase({
    url: own?.databaseServerUrl ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    poolMax: 1,
    applicationName: 'bench-cpu-probe',
  });
  const startedAt = new Date().toISOString();
  try {
    const accounts = await setUp(client);
    console.log(
      `bench: ${ACCOUNTS} accounts, concurrency ${CONCURRENCY} (reads ${READ_CONCURRENCY}), ${SECONDS} s per scenario, consumer batch ${BATCH}${own ? '' : ' (system under test not started by the bench)'}`,
    );
    const ticksPerSecond = clockTicksPerSecond();
    const sources = cpuSources(own && { pids: () => own.supervisor.pids(), databases: own.databases }, db);
    const totalOf = sources.map((s) => s.name).filter((n) => n !== POSTGRES_ALL);
    const peak: Record<string, number> = {};
    let scenarioPeak: Record<string, number> = {};
    const sampleRss = () => {
      for (const [name, pid] of Object.entries(own?.supervisor.pids() ?? {})) {
        const mib = rssMiB(pid);
        if (mib === null) continue;
        peak[name] = Math.max(peak[name] ?? 0, mib);
        scenarioPeak[name] = Math.max(scenarioPeak[name] ?? 0, mib);
      }
    };
    const sampler = setInterval(sampleRss, 1000);
    const scenarios: ScenarioReport[] = [];
    for (const name of values.scenarios!.split(',').map((n) => n.trim())) {
      scenarioPeak = {};
      const requestsBefore = own ? await readRequestCounts(own.metricsUrls) : null;
      const before = await readCpu(sources);
      // Read through the scenario too, so processes that end within it (database backends of pools that
      // replace their connections) are counted up to their last reading instead of not at all.
      let followed = before;
      let reading = false;
      const follower = setInterval(() => {
        if (reading) return;
        reading = true;
        // A reading that fails is skipped; the next one, a quarter of a second later, covers it.
        void readCpu(sources)
          .then((next) => (followed = followReading(followed, next)))
          .catch(() => undefined)
          .finally(() => (reading = false));
      }, CPU_FOLLOW_MS);
      const r = await scenario(name, client, accounts);
      clearInterval(follower);
      const after = followReading(followed, await readCpu(sources));
      const requestsAfter = own ? await readRequestCounts(own.metricsUrls) : null;
      sampleRss();
      const completed = r.samples.filter((s) => isSuccess(s.outcome)).length;
      const s = summarise(
        name,
        r,
        scenarioCpu(before, after, ticksPerSecond, completed, totalOf),
        scenarioPeak,
        requestsBefore && requestsAfter
          ? scenarioRequests(requestsBefore.kafka, requestsAfter.kafka, completed)
          : null,
        requestsBefore && requestsAfter
          ? scenarioRequests(requestsBefore.db, requestsAfter.db, completed)
          : null,
      );
      for (const line of formatScenario(s, os.availableParallelism())) console.log(line);
      scenarios.push(s);
    }
    clearInterval(sampler);
    if (own)
      console.log(
        `peak RSS: ${Object.entries(peak)
          .map(([n, m]) => `${n} ${m} MiB`)
          .join(', ')}`,
      );
    const conservation = await checkConservation(client, own);
    writeReport(
      {
        run,
        note: values.note ?? null,
        startedAt,
        finishedAt: new Date().toISOString(),
        settings: {
          scenarios: scenarios.map((s) => s.name),
          seconds: SECONDS,
          concurrency: CONCURRENCY,
          readConcurrency: READ_CONCURRENCY,
          accounts: ACCOUNTS,
          batchSize: BATCH,
          systemUnderTest: own ? 'started by the bench' : values.url,
          node: process.version,
          cpus: os.availableParallelism(),
          cpuModel: os.cpus()[0]?.model ?? null,
          clockTicksPerSecond: ticksPerSecond,
          git: gitCommit(),
        },
        scenarios,
        peakRssMiB: peak,
        conservation,
      },
      scenarios.map((s) => ({ name: s.name, buckets: s.timeSeries })),
    );
    if (!conservation.ok) process.exitCode = 1;
  } finally {
    client.close();
    await db.destroy();
    await own?.stop();
  }
}

main().catch((err: unknown) => {
  console.error('bench failed:', err);
  process.exit(1);
});
