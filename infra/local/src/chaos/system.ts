import { randomBytes } from 'node:crypto';
import { dropDatabase } from '@billing/platform/db';
import { startSimulator, type RunningSimulator } from '@billing/provider-simulator/simulator';
import { freePort } from '../ports';
import { provision } from '../provision';
import { SERVICES, type ServiceDefinition } from '../services';
import { superviseServices, type Supervisor } from '../supervisor';
import type { ChaosBroker } from './broker';

export type ServiceName = ServiceDefinition['name'];

/** The system under chaos: the four services on the chaos broker, with databases and ports of their own. */
export interface ChaosSystem {
  gatewayUrl: string;
  adminKey: string;
  ports: Record<ServiceName, number>;
  databases: Record<string, string>;
  supervisor: Supervisor;
  /** Kafka's session timeout the services run with; a pause longer than it costs a service its partitions. */
  sessionTimeoutMs: number;
  logs: string[];
  /** Resolves once every service answers ready, or rejects after `timeoutMs`. */
  allReady(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

const ADMIN_KEY = 'chaos-admin-key-000001';
const SESSION_TIMEOUT_MS = 6000;
const LOG_LINES_KEPT = 400;

export async function startChaosSystem(
  broker: ChaosBroker,
  databaseServerUrl: string,
  env: Partial<Record<ServiceName, Record<string, string>>> = {},
): Promise<ChaosSystem> {
  const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const topicPrefix = `chaos-${run}.`;
  const databases = await provision({
    kafkaBrokers: broker.brokers,
    databaseServerUrl,
    topicPrefix,
    databaseSuffix: `_chaos_${run}`,
    kafkaSecurity: broker.identities.admin,
  });
  const simulator: RunningSimulator = await startSimulator({ port: 0 });
  const ports = {} as Record<ServiceName, number>;
  for (const s of SERVICES) ports[s.name] = await freePort();
  const logs: string[] = [];
  const supervisor = superviseServices(
    SERVICES.map((s) => ({
      name: s.name,
      env: {
        PORT: String(ports[s.name]),
        KAFKA_BROKERS: broker.brokers.join(','),
        KAFKA_TOPIC_PREFIX: topicPrefix,
        KAFKA_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
        ...broker.identities.serviceEnv(s.name),
        PROVIDER_URL: simulator.url,
        LOG_LEVEL: 'warn',
        ...(databases[s.name] ? { DATABASE_URL: databases[s.name]! } : {}),
        ...(s.name === 'command-gateway'
          ? {
              API_KEYS: JSON.stringify([{ key: ADMIN_KEY, role: 'admin' }]),
              RATE_LIMIT_PER_SECOND: '100000',
              RATE_LIMIT_BURST: '100000',
            }
          : {}),
        ...(env[s.name] ?? {}),
      },
    })),
    {
      color: false,
      // The supervisor restarts crashed services quickly, as a cluster would; chaos crashes them often.
      restartBaseMs: 250,
      baseEnv: { PATH: process.env.PATH ?? '' },
      onLine: (name, line) => {
        logs.push(`${name} | ${line}`);
        if (logs.length > LOG_LINES_KEPT) logs.splice(0, logs.length - LOG_LINES_KEPT);
      },
    },
  );
  const allReady = async (timeoutMs: number) => {
    const until = Date.now() + timeoutMs;
    for (const [name, port] of Object.entries(ports)) {
      for (;;) {
        const res = await fetch(`http://127.0.0.1:${port}/health/ready`, {
          signal: AbortSignal.timeout(5000),
        }).catch(() => null);
        if (res?.status === 200) break;
        if (Date.now() > until) throw new Error(`${name} did not become ready in ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  };
  const stop = async () => {
    await supervisor.stop();
    await simulator.close();
    for (const url of Object.values(databases)) await dropDatabase(url);
  };
  try {
    await allReady(180_000);
  } catch (err) {
    await stop();
    throw new Error(`${String(err)}\n${logs.slice(-40).join('\n')}`);
  }
  return {
    gatewayUrl: `http://127.0.0.1:${ports['command-gateway']}`,
    adminKey: ADMIN_KEY,
    ports,
    databases,
    supervisor,
    sessionTimeoutMs: SESSION_TIMEOUT_MS,
    logs,
    allReady,
    stop,
  };
}
