import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createChaosBroker, type ChaosBroker } from './broker';
import { awaitFinal, postedOnceViolations, runCli, settleUnanswered, trialBalanceViolations } from './checks';
import { describeFault, FAULT_CYCLE, inject, type Fault } from './faults';
import { startChaosSystem, type ChaosSystem } from './system';
import { Gateway, runTraffic, type Accounts } from './traffic';

export interface ChaosOptions {
  runs: number;
  /** How long the traffic of one run flows; the faults land at random moments inside it. */
  trafficSeconds: number;
  faultsPerRun: number;
  workers: number;
  /** Longest wait, after a run, for every accepted transaction to be final. */
  settleSeconds: number;
  databaseServerUrl: string;
  label: string;
  log: (line: string) => void;
  /** The faults to take in turn; FAULT_CYCLE when not given. */
  cycle?: readonly Fault[];
  /** Where the services' recent log lines go when a run finds a violation. */
  logDir?: string;
  /** No run starts after this many minutes; the summary says how many ran. */
  maxMinutes?: number;
}

export interface RunResult {
  run: number;
  faults: string[];
  accepted: number;
  refused: number;
  final: number;
  violations: string[];
  seconds: number;
}

export interface ChaosSummary {
  runs: RunResult[];
  faultsInjected: number;
  faultsByKind: Record<string, number>;
  transactions: number;
  violations: number;
}

const USERS = 6;
const MERCHANTS = 2;
const ATTEMPTS_MAX = 6;

/**
 * `npm run chaos`: bounded fault runs against the real processes. It starts a broker of its own and
 * the four services on it (own ports, databases and topics), sets up funded accounts, and then, run
 * after run, lets money movements flow while it injects faults, and checks afterwards that every
 * accepted transaction is final, money is conserved, `ledger:verify` and `projections:reconcile`
 * pass and no transaction moved money twice.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosSummary> {
  const broker = await createChaosBroker(options.label);
  let system: ChaosSystem | null = null;
  const startedAt = Date.now();
  try {
    await broker.start();
    system = await startChaosSystem(broker, options.databaseServerUrl);
    const gateway = new Gateway(system.gatewayUrl, system.adminKey);
    const accounts = await setUp(gateway);
    options.log(
      `chaos: broker ${broker.brokers.join(',')}, ${USERS} users and ${MERCHANTS} merchants funded in ${((Date.now() - startedAt) / 1000).toFixed(1)} s; ${options.runs} runs of ${options.trafficSeconds} s, ${options.faultsPerRun} faults each`,
    );
    const results: RunResult[] = [];
    const cycle = options.cycle ?? FAULT_CYCLE;
    // The full cycle starts anywhere, so that short sessions do not all begin with the same fault; a
    // given cycle starts at its first fault.
    let cursor = options.cycle ? 0 : Math.floor(Math.random() * cycle.length);
    const stopStartingAt = Date.now() + (options.maxMinutes ?? 24 * 60) * 60_000;
    for (let run = 1; run <= options.runs; run++) {
      if (Date.now() > stopStartingAt) {
        options.log(`chaos: ${options.maxMinutes} minutes are up; no further run is started`);
        break;
      }
      const faults = Array.from({ length: options.faultsPerRun }, () => cycle[cursor++ % cycle.length]!);
      const result = await oneRun(run, faults, { system, broker, gateway, accounts, options });
      results.push(result);
      options.log(formatRun(result, options.runs));
      if (result.violations.length > 0 && options.logDir) {
        const file = path.join(options.logDir, `chaos-${options.label}-run${run}.log`);
        await mkdir(options.logDir, { recursive: true });
        await writeFile(file, [...result.violations, '--- services ---', ...system.logs].join('\n') + '\n');
        options.log(`  violations and the services' last log lines: ${file}`);
      }
    }
    return summarise(results);
  } finally {
    await system
      ?.stop()
      .catch((err: unknown) => options.log(`chaos: stopping the system failed: ${String(err)}`));
    await broker
      .destroy()
      .catch((err: unknown) => options.log(`chaos: stopping the broker failed: ${String(err)}`));
  }
}

interface RunContext {
  system: ChaosSystem;
  broker: ChaosBroker;
  gateway: Gateway;
  accounts: Accounts;
  options: ChaosOptions;
}

async function oneRun(run: number, faults: readonly Fault[], ctx: RunContext): Promise<RunResult> {
  const { system, gateway, options } = ctx;
  const started = Date.now();
  const stop = new AbortController();
  const traffic = runTraffic(gateway, ctx.accounts, {
    workers: options.workers,
    label: `${options.label}-${run}`,
    signal: stop.signal,
    attemptsMax: ATTEMPTS_MAX,
  });
  const windowMs = options.trafficSeconds * 1000;
  const moments = faults.map(() => Math.floor(windowMs * (0.1 + 0.6 * Math.random()))).sort((a, b) => a - b);
  const injected: string[] = [];
  const violations: string[] = [];
  for (const [i, fault] of faults.entries()) {
    const waitMs = started + moments[i]! - Date.now();
    if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
    injected.push(`${describeFault(fault)}@${((Date.now() - started) / 1000).toFixed(1)}s`);
    await inject(fault, { system, broker: ctx.broker, databaseServerUrl: options.databaseServerUrl }).catch(
      (err: unknown) =>
        violations.push(`fault ${describeFault(fault)} could not be injected: ${String(err)}`),
    );
  }
  const rest = started + windowMs - Date.now();
  if (rest > 0) await new Promise((r) => setTimeout(r, rest));
  stop.abort();
  const moved = await traffic;

  const deadline = Date.now() + options.settleSeconds * 1000;
  await system
    .allReady(Math.max(deadline - Date.now(), 1000))
    .catch((err: unknown) => violations.push(`not ready again: ${String(err)}`));
  const settled = await settleUnanswered(gateway, moved.unanswered, deadline);
  for (const m of settled.open) violations.push(`${m.kind} ${m.key} never answered`);
  const accepted = [...moved.accepted, ...settled.accepted];
  const { final, open } = await awaitFinal(gateway, accepted, deadline);
  for (const [id, status] of open) violations.push(`transaction ${id} not final: ${status}`);
  violations.push(...(await trialBalanceViolations(gateway, Date.now() + 30_000)));
  const verify = await runCli('services/account-ledger/dist/verify/verify.cli.js', {
    DATABASE_URL: system.databases['account-ledger']!,
  });
  if (!verify.ok) violations.push(`ledger:verify ${verify.summary}`);
  const reconcile = await runCli('services/projection-query/dist/reconcile/reconcile.cli.js', {
    DATABASE_URL: system.databases['projection-query']!,
    LEDGER_DATABASE_URL: system.databases['account-ledger']!,
  });
  if (!reconcile.ok) violations.push(`projections:reconcile ${reconcile.summary}`);
  violations.push(...(await postedOnceViolations(system.databases['account-ledger']!, [...final.values()])));
  return {
    run,
    faults: injected,
    accepted: accepted.length,
    refused: moved.refused,
    final: final.size,
    violations,
    seconds: (Date.now() - started) / 1000,
  };
}

async function setUp(gateway: Gateway): Promise<Accounts> {
  const open = async (ownerId: string, type: 'USER' | 'EXTERNAL') => {
    const answer = await gateway.post(
      '/api/v1/accounts',
      { ownerId, ownerType: type === 'USER' ? 'user' : 'bank', currency: 'USD', type },
      `chaos-open-${ownerId}-${Date.now()}`,
    );
    const id = answer?.body.id;
    if (typeof id !== 'string') throw new Error(`opening ${ownerId}: ${JSON.stringify(answer)}`);
    return id;
  };
  const bank = await open('chaos_bank', 'EXTERNAL');
  const users = await Promise.all(Array.from({ length: USERS }, (_, i) => open(`chaos_user_${i}`, 'USER')));
  const merchants = await Promise.all(
    Array.from({ length: MERCHANTS }, (_, i) => open(`chaos_shop_${i}`, 'USER')),
  );
  for (const user of users) {
    const answer = await gateway.post(
      '/api/v1/transactions/topup',
      { sourceAccountId: bank, destinationAccountId: user, amount: '1000000.00', currency: 'USD' },
      `chaos-fund-${user}`,
    );
    if (answer?.body.status !== 'completed') throw new Error(`funding ${user}: ${JSON.stringify(answer)}`);
  }
  return { users, merchants };
}

export function formatRun(r: RunResult, runs: number): string {
  const verdict =
    r.violations.length === 0
      ? 'ok'
      : `VIOLATIONS ${r.violations.length}: ${r.violations.slice(0, 5).join('; ')}`;
  return `run ${r.run}/${runs}: faults ${r.faults.join(', ')}; transactions ${r.accepted} accepted (${r.final} final), ${r.refused} refused; ${verdict} (${r.seconds.toFixed(1)} s)`;
}

function summarise(runs: RunResult[]): ChaosSummary {
  const faultsByKind: Record<string, number> = {};
  for (const r of runs)
    for (const f of r.faults) {
      const kind = f.split('@')[0]!;
      faultsByKind[kind] = (faultsByKind[kind] ?? 0) + 1;
    }
  return {
    runs,
    faultsInjected: runs.reduce((n, r) => n + r.faults.length, 0),
    faultsByKind,
    transactions: runs.reduce((n, r) => n + r.accepted, 0),
    violations: runs.reduce((n, r) => n + r.violations.length, 0),
  };
}

export function formatSummary(s: ChaosSummary): string {
  const kinds = Object.entries(s.faultsByKind)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return `chaos: runs ${s.runs.length}, faults injected ${s.faultsInjected} (${kinds}), transactions ${s.transactions}, violations ${s.violations}`;
}
