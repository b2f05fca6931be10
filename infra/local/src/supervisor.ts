import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { serviceEntry, type ServiceDefinition } from './services';

const COLORS = ['\x1b[36m', '\x1b[35m', '\x1b[33m', '\x1b[32m'];
const RESET = '\x1b[0m';

export interface ManagedService {
  name: ServiceDefinition['name'];
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

/**
 * Runs each service as its own Node process, prefixing every output line with the service's name. When
 * one exits unexpectedly the others are stopped too, so a half-running system never looks healthy.
 */
export function superviseServices(
  services: readonly ManagedService[],
  options: { color: boolean; onLine?: (name: string, line: string) => void; baseEnv: NodeJS.ProcessEnv },
): Supervisor {
  const width = Math.max(...services.map((s) => s.name.length));
  const children = new Map<string, { child: ChildProcess; exit: Promise<void> }>();
  const killedOnPurpose = new Set<string>();
  let stopping = false;

  function prefixOf(service: ManagedService): string {
    const i = services.indexOf(service);
    return options.color
      ? `${COLORS[i % COLORS.length]}${service.name.padEnd(width)}${RESET} | `
      : `${service.name.padEnd(width)} | `;
  }

  function spawnOne(service: ManagedService): void {
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
    const exit = new Promise<void>((resolve) => {
      child.on('exit', (code, signal) => {
        if (!stopping && !killedOnPurpose.has(service.name)) {
          process.stdout.write(`${prefix}exited (${signal ?? code}); stopping the others\n`);
          void stop();
        }
        resolve();
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
