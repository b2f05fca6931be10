import { createDatabase } from '@billing/platform/db';
import type { ChaosBroker } from './broker';
import type { ChaosSystem, ServiceName } from './system';

/**
 * The faults a chaos run injects, each into the real processes:
 * - kill: SIGKILL of one service (the supervisor starts it again with back-off, as a cluster would);
 * - pause: SIGSTOP of one service for longer than its Kafka session timeout, then SIGCONT, so the group
 *   rebalances its partitions away and back while the process still believes it owns them;
 * - broker-restart: the chaos broker stopped and started again (every client loses its connections);
 * - pg-terminate: pg_terminate_backend on every connection to the run's databases.
 */
export type Fault =
  | { kind: 'kill'; service: ServiceName }
  | { kind: 'pause'; service: ServiceName }
  | { kind: 'broker-restart' }
  | { kind: 'pg-terminate' };

const KILLED: readonly ServiceName[] = [
  'account-ledger',
  'saga-orchestrator',
  'projection-query',
  'command-gateway',
];

/** Every fault in turn: each service killed, then the others, interleaved so that kills recur often. */
export const FAULT_CYCLE: readonly Fault[] = [
  { kind: 'kill', service: 'account-ledger' },
  { kind: 'pg-terminate' },
  { kind: 'kill', service: 'saga-orchestrator' },
  { kind: 'pause', service: 'account-ledger' },
  { kind: 'kill', service: 'projection-query' },
  { kind: 'broker-restart' },
  { kind: 'kill', service: 'command-gateway' },
  { kind: 'pause', service: 'saga-orchestrator' },
  ...KILLED.map((service) => ({ kind: 'kill' as const, service })),
  { kind: 'pause', service: 'projection-query' },
  { kind: 'pg-terminate' },
];

export function describeFault(fault: Fault): string {
  return fault.kind === 'kill' || fault.kind === 'pause' ? `${fault.kind}:${fault.service}` : fault.kind;
}

export interface FaultContext {
  system: ChaosSystem;
  broker: ChaosBroker;
  databaseServerUrl: string;
}

/** Injects one fault and returns once it is over (a paused service resumed, a broker serving again). */
export async function inject(fault: Fault, ctx: FaultContext): Promise<void> {
  switch (fault.kind) {
    case 'kill': {
      const pid = ctx.system.supervisor.pids()[fault.service];
      if (pid !== undefined) signal(pid, 'SIGKILL');
      return;
    }
    case 'pause': {
      const pid = ctx.system.supervisor.pids()[fault.service];
      if (pid === undefined) return;
      signal(pid, 'SIGSTOP');
      try {
        await new Promise((r) => setTimeout(r, ctx.system.sessionTimeoutMs + 2000));
      } finally {
        signal(pid, 'SIGCONT');
      }
      return;
    }
    case 'broker-restart':
      await ctx.broker.stop();
      await ctx.broker.start();
      return;
    case 'pg-terminate':
      await terminateBackends(ctx.databaseServerUrl, Object.values(ctx.system.databases));
      return;
    default: {
      const unreachable: never = fault;
      throw new Error(`unknown fault ${JSON.stringify(unreachable)}`);
    }
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // The process is already gone (the supervisor is restarting it): nothing to do.
  }
}

/** Terminates every backend connected to these databases (and no other), returns how many. */
export async function terminateBackends(serverUrl: string, databaseUrls: readonly string[]): Promise<number> {
  const names = databaseUrls.map((u) => new URL(u).pathname.slice(1));
  const knex = createDatabase({ url: serverUrl, poolMax: 1, applicationName: 'chaos' });
  try {
    const { rows } = await knex.raw<{ rows: { n: number }[] }>(
      `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
        where datname = any(?::text[]) and pid <> pg_backend_pid()`,
      [`{${names.join(',')}}`],
    );
    return rows[0]?.n ?? 0;
  } finally {
    await knex.destroy();
  }
}

/** Parses fault names as `describeFault` prints them (`kill:account-ledger`, `broker-restart`, ...). */
export function parseFaults(names: string): Fault[] {
  return names.split(',').map((name) => {
    const found = [...FAULT_CYCLE].find((f) => describeFault(f) === name.trim());
    if (!found)
      throw new Error(
        `unknown fault ${name}; known: ${[...new Set(FAULT_CYCLE.map(describeFault))].join(', ')}`,
      );
    return found;
  });
}
