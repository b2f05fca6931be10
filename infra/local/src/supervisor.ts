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
  kill(name: ManagedService['name'], signal: NodeJS.Signals): void;
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
  const children = new Map<string, ChildProcess>();
  let stopping = false;
  const exits = services.map(
    (service, i) =>
      new Promise<void>((resolve) => {
        const child = spawn(process.execPath, ['--enable-source-maps', serviceEntry(service.name)], {
          env: { ...options.baseEnv, ...service.env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        children.set(service.name, child);
        const prefix = options.color
          ? `${COLORS[i % COLORS.length]}${service.name.padEnd(width)}${RESET} | `
          : `${service.name.padEnd(width)} | `;
        for (const stream of [child.stdout, child.stderr]) {
          createInterface({ input: stream }).on('line', (line) => {
            if (options.onLine) options.onLine(service.name, line);
            else process.stdout.write(`${prefix}${line}\n`);
          });
        }
        child.on('exit', (code, signal) => {
          if (!stopping) {
            process.stdout.write(`${prefix}exited (${signal ?? code}); stopping the others\n`);
            void stop();
          }
          resolve();
        });
      }),
  );
  const exited = Promise.all(exits).then(() => undefined);

  async function stop(): Promise<void> {
    stopping = true;
    for (const child of children.values()) if (child.exitCode === null) child.kill('SIGTERM');
    const forced = setTimeout(() => {
      for (const child of children.values()) if (child.exitCode === null) child.kill('SIGKILL');
    }, 10_000);
    await exited;
    clearTimeout(forced);
  }

  return {
    exited,
    stop,
    pids: () => Object.fromEntries([...children].map(([name, c]) => [name, c.pid])),
    kill: (name, signal) => children.get(name)?.kill(signal),
  };
}
