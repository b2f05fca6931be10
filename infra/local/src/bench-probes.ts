import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Knex } from '@billing/platform/db';
import { cpuTicksFromStat, machineTicks, type CpuReading } from './bench-report';
import { REPO_ROOT, SERVICES } from './services';

/**
 * What `npm run bench` reads from the machine around each scenario: CPU ticks of processes from /proc,
 * the broker's pid, PostgreSQL's backends, the git commit. Linux only, like the rest of the local tooling.
 */

/** Clock ticks per second of /proc's CPU times; `getconf CLK_TCK`, which is 100 on every usual kernel. */
export function clockTicksPerSecond(): number {
  const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  if (!Number.isInteger(ticks) || ticks <= 0) throw new Error(`getconf CLK_TCK gave "${ticks}"`);
  return ticks;
}

/** utime + stime of a process in ticks, or null when it is gone (or was never there). */
export function processTicks(pid: number): number | null {
  try {
    return cpuTicksFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

export function machineTicksNow(): { busy: number; total: number } {
  return machineTicks(readFileSync('/proc/stat', 'utf8'));
}

/**
 * The pid of the broker that infra/local/kafka.sh started, from its pid file: in KAFKA_STATE_DIR, else
 * beside the credentials file it wrote, else in this checkout's .local/kafka. Null when there is none or
 * the pid is no longer a Kafka process (a stale file), so an unrelated process is never measured.
 */
export function brokerPid(env: NodeJS.ProcessEnv): number | null {
  const dirs = [
    env.KAFKA_STATE_DIR,
    env.KAFKA_CREDENTIALS_FILE ? path.dirname(env.KAFKA_CREDENTIALS_FILE) : undefined,
    path.join(REPO_ROOT, '.local', 'kafka'),
  ].filter((d): d is string => d !== undefined && d !== '');
  for (const dir of dirs) {
    try {
      const pid = Number(readFileSync(path.join(dir, 'kafka.pid'), 'utf8').trim());
      if (!Number.isInteger(pid) || pid <= 0) continue;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.includes('kafka')) return pid;
    } catch {
      // No pid file here, or the process is gone: try the next place.
    }
  }
  return null;
}

export interface PostgresPids {
  /** Backends connected to the given databases (the bench system's own). */
  databases: number[];
  /** Every process pg_stat_activity lists: all clients' backends and the server's background workers. */
  all: number[];
}

/** PostgreSQL's processes by pid, as the server itself lists them (it may run other people's work too). */
export async function postgresPids(knex: Knex, databases: readonly string[]): Promise<PostgresPids> {
  const { rows } = await knex.raw<{ rows: { pid: number; datname: string | null }[] }>(
    'select pid, datname from pg_stat_activity where pid <> pg_backend_pid()',
  );
  return {
    databases: rows.filter((r) => r.datname !== null && databases.includes(r.datname)).map((r) => r.pid),
    all: rows.map((r) => r.pid),
  };
}

/** The checked-out commit, and whether the working tree differs from it; null outside a git checkout. */
export function gitCommit(): { commit: string; dirty: boolean } | null {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    return { commit, dirty: status.trim() !== '' };
  } catch {
    return null;
  }
}

/** A named group of processes whose CPU a scenario measures; `pids` is asked again at every reading. */
export interface CpuSource {
  name: string;
  pids: () => Promise<number[]>;
}

export const POSTGRES_OWN = 'postgres (bench databases)';
export const POSTGRES_ALL = 'postgres (all backends)';

/**
 * The processes to measure: each service (when the bench started them), the bench itself (the load
 * generator and the provider simulator share its process), the broker when its pid file is found, and
 * PostgreSQL as the server lists its backends: those of the bench's databases, and all of them (which on a
 * shared server includes other people's work, so it stays out of the total).
 */
export function cpuSources(
  own: { pids: () => Record<string, number | undefined>; databases: readonly string[] } | null,
  db: Knex,
): CpuSource[] {
  const sources: CpuSource[] = [];
  for (const s of own ? SERVICES : []) {
    sources.push({
      name: s.name,
      pids: () => {
        const pid = own!.pids()[s.name];
        return Promise.resolve(pid === undefined ? [] : [pid]);
      },
    });
  }
  sources.push({ name: 'bench', pids: () => Promise.resolve([process.pid]) });
  const broker = brokerPid(process.env);
  if (broker !== null) sources.push({ name: 'kafka broker', pids: () => Promise.resolve([broker]) });
  // Both PostgreSQL groups come from one pg_stat_activity query per reading, and a server that does not
  // answer leaves them empty rather than failing the run.
  let last: { atMs: number; pids: Promise<PostgresPids> } | null = null;
  const pg = () => {
    if (last === null || performance.now() - last.atMs > 100)
      last = {
        atMs: performance.now(),
        pids: postgresPids(db, own?.databases ?? []).catch(() => ({ databases: [], all: [] })),
      };
    return last.pids;
  };
  if (own) sources.push({ name: POSTGRES_OWN, pids: async () => (await pg()).databases });
  sources.push({ name: POSTGRES_ALL, pids: async () => (await pg()).all });
  return sources;
}

/** One reading of every source's CPU ticks; a pid that is gone by the time it is read is left out. */
export async function readCpu(sources: readonly CpuSource[]): Promise<CpuReading> {
  const pidLists = await Promise.all(sources.map((s) => s.pids()));
  const groups = new Map<string, Map<number, number>>();
  sources.forEach((s, i) => {
    const ticks = new Map<number, number>();
    for (const pid of pidLists[i]!) {
      const t = processTicks(pid);
      if (t !== null) ticks.set(pid, t);
    }
    groups.set(s.name, ticks);
  });
  return { atMs: performance.now(), groups, machine: machineTicksNow() };
}

/**
 * Requests each service made so far, by kind: Kafka requests by API (`kafka_client_requests_total`) and
 * SQL statements by first keyword (`db_client_statements_total`).
 */
export type RequestCounts = Record<string, Record<string, number>>;

/** A counter the bench reads from every service, and the label it is summed by. */
export const KAFKA_REQUESTS = { metric: 'kafka_client_requests_total', label: 'api' } as const;
export const DB_STATEMENTS = { metric: 'db_client_statements_total', label: 'kind' } as const;

/** Sums one counter of a service's `/metrics` text by one label (Kafka requests by API by default). */
export function parseRequestCounts(
  metricsText: string,
  counter: { metric: string; label: string } = KAFKA_REQUESTS,
): Record<string, number> {
  const line = new RegExp(`^${counter.metric}\\{([^}]*)\\}\\s+([0-9.e+]+)$`);
  const label = new RegExp(`${counter.label}="([^"]*)"`);
  const byLabel: Record<string, number> = {};
  for (const text of metricsText.split('\n')) {
    const m = line.exec(text.trim());
    if (!m) continue;
    const value = label.exec(m[1]!)?.[1] ?? 'unknown';
    byLabel[value] = (byLabel[value] ?? 0) + Number(m[2]);
  }
  return byLabel;
}

/** Every service's Kafka request and SQL statement counts; a service that does not answer is left out. */
export async function readRequestCounts(
  metricsUrls: Record<string, string>,
): Promise<{ kafka: RequestCounts; db: RequestCounts }> {
  const kafka: RequestCounts = {};
  const db: RequestCounts = {};
  await Promise.all(
    Object.entries(metricsUrls).map(async ([service, url]) => {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
        if (!res.ok) return;
        const text = await res.text();
        kafka[service] = parseRequestCounts(text, KAFKA_REQUESTS);
        db[service] = parseRequestCounts(text, DB_STATEMENTS);
      } catch {
        // Not answering (restarting): its line is missing rather than wrong.
      }
    }),
  );
  return { kafka, db };
}

export interface ScenarioRequests {
  /** Requests per completed call, all services together, by API (the most frequent first). */
  perCompletedByApi: Record<string, number>;
  /** Requests per completed call, all APIs together, by service. */
  perCompletedByService: Record<string, number>;
  /** Requests per completed call by service and API (the most frequent first). */
  perCompletedByServiceApi: Record<string, Record<string, number>>;
  perCompleted: number | null;
  total: number;
}

export function scenarioRequests(
  before: RequestCounts,
  after: RequestCounts,
  completed: number,
): ScenarioRequests {
  const byApi: Record<string, number> = {};
  const byService: Record<string, number> = {};
  const byServiceApi: Record<string, Record<string, number>> = {};
  let total = 0;
  for (const [service, apis] of Object.entries(after)) {
    const was = before[service];
    if (!was) continue;
    for (const [api, n] of Object.entries(apis)) {
      const d = n - (was[api] ?? 0);
      byApi[api] = (byApi[api] ?? 0) + d;
      byService[service] = (byService[service] ?? 0) + d;
      (byServiceApi[service] ??= {})[api] = d;
      total += d;
    }
  }
  const per = (n: number) => (completed > 0 ? n / completed : 0);
  const perSorted = (o: Record<string, number>) =>
    Object.fromEntries(
      Object.entries(o)
        .filter(([, n]) => n > 0)
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => [k, per(n)]),
    );
  return {
    perCompletedByApi: perSorted(byApi),
    perCompletedByService: Object.fromEntries(Object.entries(byService).map(([k, n]) => [k, per(n)])),
    perCompletedByServiceApi: Object.fromEntries(
      Object.entries(byServiceApi).map(([service, o]) => [service, perSorted(o)]),
    ),
    perCompleted: completed > 0 ? total / completed : null,
    total,
  };
}
