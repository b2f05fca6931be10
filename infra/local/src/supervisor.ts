import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { serviceEntry, type DeployableName } from './services';

const COLORS = ['\x1b[36m', '\x1b[35m', '\x1b[33m', '\x1b[32m'];
const RESET = '\x1b[0m';

export interface ManagedService {
  name: DeployableName;
  env: Record<string, string>;
}

export interface Supervisor {
  /** Resolves when every process has exited. */
  exited: Promise<void>;
  stop(): Promise<void>;
  pids(): Record<string, number | undefined>;
  /** Kills one service on purpose (a crash test); the others keep running. Resolves once it has exited. */
  kill(name: ManagedService['name'], signal: NodeJS.Signals): Promise<void>;
  /** Starts a service again after `kill`, with the same environment. */
  restart(name: ManagedService['name']): void;
}

/** Restart back-off: 0.5 s, doubling per quick crash, at most 30 s; a run of a minute resets it. */
const RESTART_BASE_MS = 500;
const RESTART_MAX_MS = 30_000;
const STABLE_AFTER_MS = 60_000;

/**
 * Runs each service as its own Node process, prefixing every output line with the service's name. A
 * service that exits unexpectedly is started again with back-off, as a cluster restarts a pod, and the
 * log says so; the others keep running. Only `stop()` (Ctrl-C) ends them all.
 */
export function superviseServices(
  services: readonly ManagedService[],
  options: {
    color: boolean;
    onLine?: (name: string, line: string) => void;
    baseEnv: NodeJS.ProcessEnv;
    restartBaseMs?: number;
  },
): Supervisor {
  const width = Math.max(...services.map((s) => s.name.length));
  const children = new Map<string, { child: ChildProcess; exit: Promise<void> }>();
  const killedOnPurpose = new Set<string>();
  const pendingRestarts = new Map<string, { timer: NodeJS.Timeout; resolve: () => void }>();
  let stopping = false;

  function prefixOf(service: ManagedService): string {
    const i = services.indexOf(service);
    return options.color
      ? `${COLORS[i % COLORS.length]}${service.name.padEnd(width)}${RESET} | `
      : `${service.name.padEnd(width)} | `;
  }

  function spawnOne(service: ManagedService, quickCrashes = 0): void {
    const startedAt = Date.now();
    const child = spawn(process.execPath, ['--enable-source-maps', serviceEntry(service.name)], {
      env: { ...options.baseEnv, ...service.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const prefix = prefixOf(service);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        if (options.onLine) options.onLine(service.name, line);
        else process.stdout.write(`${prefix}${line}\n`);
      });
    }
    // The exit promise of a crashed service resolves only once its replacement is running (or the
    // supervisor stops), so `exited` never mistakes a restart in progress for the end.
    const exit = new Promise<void>((resolve) => {
      child.on('exit', (code, signal) => {
        if (stopping || killedOnPurpose.has(service.name)) return resolve();
        const crashes = Date.now() - startedAt >= STABLE_AFTER_MS ? 0 : quickCrashes + 1;
        const waitMs = Math.min(
          RESTART_MAX_MS,
          (options.restartBaseMs ?? RESTART_BASE_MS) * 2 ** (crashes - 1),
        );
        const line = `exited (${signal ?? code}); restarting in ${waitMs} ms (quick crash ${crashes})`;
        if (options.onLine) options.onLine(service.name, line);
        else process.stdout.write(`${prefix}${line}\n`);
        const timer = setTimeout(() => {
          pendingRestarts.delete(service.name);
          if (!stopping) spawnOne(service, crashes);
          resolve();
        }, waitMs);
        pendingRestarts.set(service.name, { timer, resolve });
      });
    });
    children.set(service.name, { child, exit });
  }

  for (const service of services) spawnOne(service);

  const allExited = async () => {
    // Services may be restarted, so wait for whatever process each name has now.
    for (;;) {
      const current = [...children.values()];
      await Promise.all(current.map((c) => c.exit));
      if ([...children.values()].every((c, i) => c === current[i])) return;
    }
  };
  let exitedPromise: Promise<void> | null = null;

  async function stop(): Promise<void> {
    stopping = true;
    for (const { timer, resolve } of pendingRestarts.values()) {
      clearTimeout(timer);
      resolve();
    }
    pendingRestarts.clear();
    for (const { child } of children.values())
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const forced = setTimeout(() => {
      for (const { child } of children.values())
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, 10_000);
    await allExited();
    clearTimeout(forced);
  }

  return {
    get exited() {
      return (exitedPromise ??= allExited());
    },
    stop,
    pids: () => Object.fromEntries([...children].map(([name, c]) => [name, c.child.pid])),
    async kill(name, signal) {
      const entry = children.get(name);
      if (!entry) return;
      killedOnPurpose.add(name);
      entry.child.kill(signal);
      await entry.exit;
    },
    restart(name) {
      const service = services.find((s) => s.name === name);
      if (!service || stopping) return;
      killedOnPurpose.delete(name);
      spawnOne(service);
    },
  };
}
