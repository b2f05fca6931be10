import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { loadBrokerIdentities, type BrokerIdentities } from '@billing/platform/kafka-identities';
import { freePort } from '../ports';
import { REPO_ROOT } from '../services';

/**
 * A Kafka broker of the chaos run's own: `infra/local/kafka.sh` with its own ports and state directory
 * (data, credentials), so that restarting it never touches the broker everybody else uses. Its state
 * directory is deleted when the run is over.
 */
export interface ChaosBroker {
  brokers: string[];
  identities: BrokerIdentities;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the broker and removes its state directory. */
  destroy(): Promise<void>;
}

const SCRIPT = path.join(REPO_ROOT, 'infra/local/kafka.sh');

function kafkaSh(command: 'start' | 'stop', env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [SCRIPT, command], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`kafka.sh ${command} exited ${code}:\n${output.slice(-2000)}`)),
    );
  });
}

export async function createChaosBroker(label: string): Promise<ChaosBroker> {
  const port = await freePort();
  let controllerPort = await freePort();
  while (controllerPort === port) controllerPort = await freePort();
  const stateDir = path.join(REPO_ROOT, '.local', `kafka-chaos-${label}`);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    ...(process.env.JAVA_HOME ? { JAVA_HOME: process.env.JAVA_HOME } : {}),
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
    KAFKA_STATE_DIR: stateDir,
    // A small heap: the machine is shared, and a chaos run moves little data.
    KAFKA_HEAP_OPTS: '-Xms128m -Xmx384m',
  };
  let identities: BrokerIdentities | null = null;
  const broker: ChaosBroker = {
    brokers: [`127.0.0.1:${port}`],
    get identities() {
      identities ??= loadBrokerIdentities({
        KAFKA_CREDENTIALS_FILE: path.join(stateDir, 'credentials.json'),
      });
      return identities;
    },
    start: () => kafkaSh('start', env),
    stop: () => kafkaSh('stop', env),
    async destroy() {
      await kafkaSh('stop', env).catch(() => undefined);
      await rm(stateDir, { recursive: true, force: true });
    },
  };
  return broker;
}
