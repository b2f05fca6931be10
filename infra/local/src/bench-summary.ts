import type { ScenarioRequests } from './bench-probes';
import {
  type GroupCpu,
  bucketize,
  isSuccess,
  percentilesOf,
  type Bucket,
  type Percentiles,
  type Sample,
  type ScenarioCpu,
} from './bench-report';

/** One scenario's results as the bench reports them: printed, in the JSON report, and in the chart. */
export interface ScenarioReport {
  name: string;
  seconds: number;
  answered: number;
  completed: number;
  answeredPerSecond: number;
  completedPerSecond: number;
  latencyMs: Percentiles;
  outcomes: Record<string, number>;
  cpu: ScenarioCpu;
  peakRssMiB: Record<string, number>;
  /** Kafka requests the services sent during the scenario (a system the bench started only). */
  kafkaRequests: ScenarioRequests | null;
  /** SQL statements the services sent during the scenario, by first keyword (a system the bench started only). */
  dbStatements: ScenarioRequests | null;
  timeSeries: Bucket[];
}

/** A scenario's calls, as the load generator timed them. */
export interface ScenarioRun {
  samples: readonly Sample[];
  outcomes: ReadonlyMap<string, number>;
  seconds: number;
}

export function summarise(
  name: string,
  r: ScenarioRun,
  cpu: ScenarioCpu,
  peakRssMiB: Record<string, number>,
  kafkaRequests: ScenarioRequests | null = null,
  dbStatements: ScenarioRequests | null = null,
): ScenarioReport {
  const completed = r.samples.filter((s) => isSuccess(s.outcome)).length;
  return {
    name,
    seconds: r.seconds,
    answered: r.samples.length,
    completed,
    answeredPerSecond: r.samples.length / r.seconds,
    completedPerSecond: completed / r.seconds,
    latencyMs: percentilesOf(r.samples.map((s) => s.latencyMs)),
    outcomes: Object.fromEntries(r.outcomes),
    cpu,
    peakRssMiB,
    kafkaRequests,
    dbStatements,
    timeSeries: bucketize(r.samples, r.seconds * 1000),
  };
}

const ms = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(0)} ms`);
const num = (v: number | null, digits: number) => (v === null ? 'n/a' : v.toFixed(digits));

/** The lines the bench prints for a scenario: its rates and latency, a CPU table, the per-second series. */
export function formatScenario(s: ScenarioReport, cpus: number): string[] {
  const out: string[] = [];
  const l = s.latencyMs;
  out.push(
    `${s.name.padEnd(8)} ${s.completedPerSecond.toFixed(1).padStart(8)}/s completed (${s.answeredPerSecond.toFixed(1)}/s answered)  p50 ${ms(l.p50)}  p95 ${ms(l.p95)}  p99 ${ms(l.p99)}  (${s.answered} in ${s.seconds.toFixed(1)} s: ${Object.entries(
      s.outcomes,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')})`,
  );
  const width = Math.max(...s.cpu.groups.map((g) => g.name.length), 5) + 2;
  out.push(`  ${'CPU'.padEnd(width)}   cpu s  cores  ms/completed`);
  const row = (
    name: string,
    u: { cpuSeconds: number; cores: number; msPerCompleted: number | null },
    note = '',
  ) =>
    out.push(
      `  ${name.padEnd(width)} ${u.cpuSeconds.toFixed(2).padStart(7)} ${u.cores.toFixed(2).padStart(6)} ${num(u.msPerCompleted, 2).padStart(13)}${note}`,
    );
  for (const g of s.cpu.groups) row(g.name, g, processNotes(g));
  row('total', s.cpu.total, `  (${s.cpu.total.of.join(', ')})`);
  out.push(
    `  machine: ${s.cpu.machineBusyCores.toFixed(2)} of ${cpus} cores busy over ${s.cpu.wallSeconds.toFixed(1)} s, every user's processes included`,
  );
  const list = (o: Record<string, number>) =>
    Object.entries(o)
      .map(([n, v]) => `${n} ${v.toFixed(2)}`)
      .join(', ');
  for (const [title, k] of [
    ['Kafka requests', s.kafkaRequests],
    ['SQL statements', s.dbStatements],
  ] as const) {
    if (!k || k.perCompleted === null) continue;
    out.push(`  ${title} per completed: ${k.perCompleted.toFixed(2)} (${list(k.perCompletedByApi)})`);
    out.push(`    by service: ${list(k.perCompletedByService)}`);
    if (k === s.dbStatements)
      for (const [service, kinds] of Object.entries(k.perCompletedByServiceApi))
        out.push(`      ${service}: ${list(kinds)}`);
  }
  out.push(
    `  per 1 s bucket: completed ${s.timeSeries.map((b) => b.completed).join(' ')} | p50 ms ${s.timeSeries.map((b) => num(b.p50Ms, 0)).join(' ')} | p99 ms ${s.timeSeries.map((b) => num(b.p99Ms, 0)).join(' ')}`,
  );
  return out;
}

/** What the CPU line of a changing group of processes leaves out, or counts only in part. */
function processNotes(g: GroupCpu): string {
  const notes: string[] = [];
  if (g.ended > 0)
    notes.push(`${g.ended} of its processes ended during the scenario, counted to their last reading`);
  if (g.gone > 0) notes.push(`${g.gone} ended before any reading saw them again, not counted`);
  return notes.length > 0 ? `  (${notes.join('; ')})` : '';
}
