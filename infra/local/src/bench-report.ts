/**
 * The arithmetic of `npm run bench`'s report, kept free of I/O so it can be unit-tested: latency
 * percentiles, one-second buckets of a scenario's calls, CPU time from `/proc/<pid>/stat` text, and the
 * zero test of a decimal amount (money never passes through a float).
 */

/** One timed call of a scenario: when it finished (ms since the scenario started), how long it took. */
export interface Sample {
  endMs: number;
  latencyMs: number;
  outcome: string;
}

/** A call that reached what it asked for: a transaction in its final successful state, or a read. */
export function isSuccess(outcome: string): boolean {
  return outcome === 'read' || outcome === 'completed' || outcome.endsWith('-completed');
}

/** Nearest-rank percentile of ascending `sorted`; null when there is nothing to rank. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(rank, 1)) - 1]!;
}

export interface Percentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export function percentilesOf(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
}

export interface Bucket {
  /** Start of the bucket in seconds since the scenario started. */
  second: number;
  /** Its length: the bucket size, except for a last bucket cut short by the scenario's end. */
  seconds: number;
  /** Calls that finished in the bucket, whatever their outcome. */
  answered: number;
  /** Of those, the successful ones (see isSuccess). */
  completed: number;
  /** Latency of the calls that finished in the bucket. */
  p50Ms: number | null;
  p99Ms: number | null;
}

/**
 * Splits a scenario's calls into buckets of `bucketMs` by the time they finished. Every bucket from 0 to
 * the scenario's end is present, empty ones included, so a stall shows as a gap rather than vanishing.
 */
export function bucketize(samples: readonly Sample[], durationMs: number, bucketMs = 1000): Bucket[] {
  const count = Math.max(1, Math.ceil(durationMs / bucketMs));
  const groups = Array.from({ length: count }, () => ({ latencies: [] as number[], completed: 0 }));
  for (const s of samples) {
    const group = groups[Math.min(count - 1, Math.max(0, Math.floor(s.endMs / bucketMs)))]!;
    group.latencies.push(s.latencyMs);
    if (isSuccess(s.outcome)) group.completed++;
  }
  return groups.map((g, i) => {
    const { p50, p99 } = percentilesOf(g.latencies);
    return {
      second: (i * bucketMs) / 1000,
      seconds: (Math.min(durationMs, (i + 1) * bucketMs) - i * bucketMs) / 1000 || bucketMs / 1000,
      answered: g.latencies.length,
      completed: g.completed,
      p50Ms: p50,
      p99Ms: p99,
    };
  });
}

/**
 * utime + stime of a process, in clock ticks, from the text of `/proc/<pid>/stat`. The command name
 * (field 2) is in parentheses and may itself hold spaces and parentheses, so fields are counted from
 * the last closing parenthesis: after it come field 3 (state) onwards, utime and stime being 14 and 15.
 */
export function cpuTicksFromStat(stat: string): number {
  const close = stat.lastIndexOf(')');
  if (close < 0) throw new Error('not a /proc/<pid>/stat line: no command name');
  const fields = stat
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  if (!Number.isInteger(utime) || !Number.isInteger(stime))
    throw new Error('not a /proc/<pid>/stat line: utime or stime is missing');
  return utime + stime;
}

export interface CpuUse {
  /** CPU seconds (user + system) the process used during the scenario. */
  cpuSeconds: number;
  /** cpuSeconds / wall seconds: 1.0 is one core busy for the whole scenario. */
  cores: number;
  /** CPU milliseconds per successful call; null when nothing completed. */
  msPerCompleted: number | null;
}

/** CPU use between two tick readings of one process over `wallSeconds` and `completed` calls. */
export function cpuUse(
  startTicks: number,
  endTicks: number,
  ticksPerSecond: number,
  wallSeconds: number,
  completed: number,
): CpuUse {
  if (endTicks < startTicks) throw new Error('CPU ticks went backwards: not the same process');
  const cpuSeconds = (endTicks - startTicks) / ticksPerSecond;
  return {
    cpuSeconds,
    cores: wallSeconds > 0 ? cpuSeconds / wallSeconds : 0,
    msPerCompleted: completed > 0 ? (cpuSeconds * 1000) / completed : null,
  };
}

/** The sum of several processes' CPU use over the same scenario. */
export function sumCpu(uses: readonly CpuUse[], wallSeconds: number, completed: number): CpuUse {
  const cpuSeconds = uses.reduce((sum, u) => sum + u.cpuSeconds, 0);
  return {
    cpuSeconds,
    cores: wallSeconds > 0 ? cpuSeconds / wallSeconds : 0,
    msPerCompleted: completed > 0 ? (cpuSeconds * 1000) / completed : null,
  };
}

/** True for a decimal string that is zero in any spelling ("0", "-0.00", "0.000"); false for anything else. */
export function isZeroDecimal(value: string): boolean {
  return /^[+-]?(0+(\.0*)?|\.0+)$/.test(value.trim());
}

export interface GroupTicks {
  ticks: number;
  /** Processes seen at both readings, and ones that appeared in between (all their CPU is inside). */
  processes: number;
  /** Processes seen at the start that were gone at the end: their CPU since the start is not counted. */
  gone: number;
  /**
   * Processes that ended during the scenario but were seen by a reading in between (`followReading`):
   * counted up to the last reading that saw them.
   */
  ended: number;
}

/**
 * CPU ticks of a changing group of processes (e.g. a database server's backends) between two readings,
 * each a map of pid to utime + stime ticks. A pid whose ticks went down is a reused pid: counted whole.
 */
export function groupTicks(start: ReadonlyMap<number, number>, end: ReadonlyMap<number, number>): GroupTicks {
  let ticks = 0;
  for (const [pid, now] of end) {
    const before = start.get(pid) ?? 0;
    ticks += now >= before ? now - before : now;
  }
  const gone = [...start.keys()].filter((pid) => !end.has(pid)).length;
  return { ticks, processes: end.size, gone, ended: 0 };
}

/**
 * Busy and total ticks of the whole machine (all cores, every user's processes) from the first line of
 * `/proc/stat`: busy is everything but idle and iowait. Guest time is already inside user time.
 */
export function machineTicks(procStat: string): { busy: number; total: number } {
  const line = procStat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('not /proc/stat: no "cpu " line');
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line
    .trim()
    .split(/\s+/)
    .slice(1, 9)
    .map(Number);
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  if (!Number.isFinite(busy + idle! + iowait!)) throw new Error('not /proc/stat: a "cpu" field is missing');
  return { busy, total: busy + idle! + iowait! };
}

/** One reading of CPU ticks: per named group of processes, pid → utime + stime; and the machine's. */
export interface CpuReading {
  atMs: number;
  groups: ReadonlyMap<string, ReadonlyMap<number, number>>;
  machine: { busy: number; total: number };
  /** Per group, how many of its pids are carried from an earlier reading (see `followReading`). */
  departed?: ReadonlyMap<string, number>;
}

/**
 * A reading that also keeps every process an earlier one saw, at its last ticks. Read every fraction of
 * a second through a scenario, it counts processes that come and go within it (database backends of a
 * pool that replaces its connections) up to their last reading, where two readings alone would lose all
 * of their CPU since the start.
 */
export function followReading(previous: CpuReading | null, next: CpuReading): CpuReading {
  if (previous === null) return next;
  const groups = new Map<string, ReadonlyMap<number, number>>();
  const departed = new Map<string, number>();
  for (const name of new Set([...previous.groups.keys(), ...next.groups.keys()])) {
    const now = next.groups.get(name) ?? new Map<number, number>();
    const merged = new Map(previous.groups.get(name) ?? []);
    for (const [pid, ticks] of now) merged.set(pid, ticks);
    groups.set(name, merged);
    departed.set(name, merged.size - now.size);
  }
  return { atMs: next.atMs, machine: next.machine, groups, departed };
}

export interface GroupCpu extends CpuUse, GroupTicks {
  name: string;
}

export interface ScenarioCpu {
  wallSeconds: number;
  groups: GroupCpu[];
  /** The sum of the groups named in `totalOf`: the system under test as far as it was measured. */
  total: CpuUse & { of: string[] };
  /** Cores busy on the whole machine, every user's processes included. */
  machineBusyCores: number;
}

/** CPU use of each group between two readings, and the total of those in `totalOf`. */
export function scenarioCpu(
  start: CpuReading,
  end: CpuReading,
  ticksPerSecond: number,
  completed: number,
  totalOf: readonly string[],
): ScenarioCpu {
  const wallSeconds = (end.atMs - start.atMs) / 1000;
  const groups = [...end.groups].map(([name, pids]) => {
    const ticks = {
      ...groupTicks(start.groups.get(name) ?? new Map(), pids),
      ended: end.departed?.get(name) ?? 0,
    };
    return { name, ...ticks, ...cpuUse(0, ticks.ticks, ticksPerSecond, wallSeconds, completed) };
  });
  const of = groups.filter((g) => totalOf.includes(g.name)).map((g) => g.name);
  const total = sumCpu(
    groups.filter((g) => of.includes(g.name)),
    wallSeconds,
    completed,
  );
  const machineBusy = (end.machine.busy - start.machine.busy) / ticksPerSecond;
  return {
    wallSeconds,
    groups,
    total: { ...total, of },
    machineBusyCores: wallSeconds > 0 ? machineBusy / wallSeconds : 0,
  };
}
