import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { dropDatabase } from '@billing/platform/db';
import { provision } from '@billing/local-infra/provision';
import { REPO_ROOT, SERVICES } from '@billing/local-infra/services';
import { superviseServices, type Supervisor } from '@billing/local-infra/supervisor';
import {
  startSimulator,
  type RunningSimulator,
  type SimulatorOptions,
} from '@billing/provider-simulator/simulator';
import { serviceKafkaEnv, testEnv } from '@billing/testing/env';
import { waitFor } from '@billing/testing/wait';
import { freePort } from '@billing/local-infra/ports';

export interface RunningSystem {
  gatewayUrl: string;
  /** Runs `ledger:verify` (the real CLI) against this system's ledger database. */
  verifyLedger(): Promise<{ exitCode: number | null; output: string }>;
  simulator: RunningSimulator;
  /** Database URL per service, for tests that inspect what a service stored. */
  databases: Record<string, string>;
  /** Waits until one service reports ready again (after a restart). */
  ready(name: string): Promise<true>;
  ports: Record<string, number>;
  /** The prefix of this system's topics and consumer groups. */
  topicPrefix: string;
  logs: string[];
  supervisor: Supervisor;
  stop(): Promise<void>;
}

/**
 * Starts the four services as separate Node processes against the real broker and PostgreSQL, on ports
 * and a topic prefix and databases of their own, and waits until every one reports ready.
 */
export interface SystemOptions {
  simulator?: SimulatorOptions;
  /** Extra environment per service, e.g. shorter provider timeouts for the orchestrator. */
  env?: Partial<Record<(typeof SERVICES)[number]['name'], Record<string, string>>>;
}

export async function startSystem(label: string, options: SystemOptions = {}): Promise<RunningSystem> {
  const env = testEnv();
  const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const topicPrefix = `e2e-${label}-${run}.`;
  const databaseSuffix = `_e2e_${run}`;
  const urls = await provision({
    kafkaBrokers: env.kafkaBrokers,
    kafkaSecurity: env.kafkaSecurity,
    databaseServerUrl: env.databaseUrl,
    topicPrefix,
    databaseSuffix,
  });
  const servicePorts = await Promise.all(SERVICES.map(() => freePort()));
  const simulator = await startSimulator(options.simulator ?? {});
  const ports: Record<string, number> = {};
  const logs: string[] = [];
  const supervisor = superviseServices(
    SERVICES.map((s, i) => {
      ports[s.name] = servicePorts[i]!;
      return {
        name: s.name,
        env: {
          PORT: String(servicePorts[i]!),
          // Each service runs with its own broker identity, so the ACLs are exercised end to end.
          ...serviceKafkaEnv(s.name),
          KAFKA_TOPIC_PREFIX: topicPrefix,
          KAFKA_SESSION_TIMEOUT_MS: '6000',
          LOG_LEVEL: 'warn',
          PROVIDER_URL: simulator.url,
          TASK_POLL_INTERVAL_MS: '100',
          ...(urls[s.name] ? { DATABASE_URL: urls[s.name]! } : {}),
          // The development admin key is accepted only when asked for; tests that bring keys still may.
          ...(s.name === 'command-gateway' ? { GATEWAY_DEV_MODE: 'true' } : {}),
          ...(options.env?.[s.name] ?? {}),
        },
      };
    }),
    {
      color: false,
      baseEnv: { PATH: process.env.PATH ?? '' },
      onLine: (name, line) => logs.push(`${name} | ${line}`),
    },
  );
  const stop = async () => {
    await supervisor.stop();
    await simulator.close();
    for (const url of Object.values(urls)) await dropDatabase(url);
  };
  try {
    for (const [name, port] of Object.entries(ports)) {
      await waitFor(
        `${name} ready`,
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => null);
          return res?.status === 200 ? true : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 200 },
      );
    }
  } catch (err) {
    await stop();
    throw new Error(`${String(err)}\n--- service output ---\n${logs.slice(-60).join('\n')}`);
  }
  const verifyLedger = () =>
    new Promise<{ exitCode: number | null; output: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [path.join(REPO_ROOT, 'services/account-ledger/dist/verify/verify.cli.js')],
        {
          env: { PATH: process.env.PATH ?? '', DATABASE_URL: urls['account-ledger']! },
        },
      );
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.on('close', (exitCode) => resolve({ exitCode, output }));
    });
  const ready = (name: string) =>
    waitFor(
      `${name} ready`,
      async () => {
        const res = await fetch(`http://127.0.0.1:${ports[name]}/health/ready`).catch(() => null);
        return res?.status === 200 ? (true as const) : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  return {
    gatewayUrl: `http://127.0.0.1:${ports['command-gateway']}`,
    ports,
    topicPrefix,
    logs,
    supervisor,
    simulator,
    databases: urls,
    stop,
    verifyLedger,
    ready,
  };
}
