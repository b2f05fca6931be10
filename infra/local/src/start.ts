import { loadBrokerIdentities } from '@billing/platform/kafka-identities';
import { provision } from './provision';
import path from 'node:path';
import { CONSOLE, REPO_ROOT, SERVICE_NODE_OPTIONS, SERVICES } from './services';
import { superviseServices } from './supervisor';
import { startSimulator } from '@billing/provider-simulator/simulator';

const SIMULATOR_PORT = 4010;

/**
 * `npm start`: provisions databases and topics, then runs the four services and the operator console
 * with prefixed logs until Ctrl-C. The broker and PostgreSQL were made available by scripts/start.sh.
 */
async function main(): Promise<void> {
  const kafkaBrokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  const databaseServerUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const topicPrefix = process.env.KAFKA_TOPIC_PREFIX ?? '';
  // Provisioning runs as the super user; each service then gets its own identity, never the super user's.
  const identities = loadBrokerIdentities(process.env);
  const urls = await provision({
    kafkaBrokers,
    databaseServerUrl,
    topicPrefix,
    kafkaSecurity: identities.admin,
  });
  // The provider simulator plays the bill and payout providers locally; it is never deployed.
  const simulator = await startSimulator({ port: SIMULATOR_PORT });
  process.stdout.write(`provider simulator on ${simulator.url}\n`);
  const gateway = SERVICES.find((s) => s.name === 'command-gateway')!;
  const consoleService = {
    name: CONSOLE.name,
    env: {
      PORT: String(process.env.CONSOLE_PORT ?? CONSOLE.port),
      GATEWAY_URL: `http://127.0.0.1:${gateway.port}`,
    },
  };
  const supervisor = superviseServices(
    [
      ...SERVICES.map((s) => ({
        name: s.name,
        env: {
          PORT: String(s.port),
          KAFKA_BROKERS: kafkaBrokers.join(','),
          KAFKA_TOPIC_PREFIX: topicPrefix,
          ...identities.serviceEnv(s.name),
          PROVIDER_URL: simulator.url,
          ...(urls[s.name] ? { DATABASE_URL: urls[s.name]! } : {}),
          // A local run is development, said explicitly: without API_KEYS the gateway accepts dev-admin-key.
          ...(s.name === 'command-gateway'
            ? { GATEWAY_DEV_MODE: process.env.GATEWAY_DEV_MODE ?? 'true' }
            : {}),
          // PROFILE=1: every service writes a CPU profile (.local/profiles/<timestamp>.<pid>...cpuprofile)
          // when it stops, to see where the time goes (summarise one with a cpuprofile viewer or tool).
          NODE_OPTIONS: [
            SERVICE_NODE_OPTIONS,
            ...(process.env.PROFILE === '1'
              ? [`--cpu-prof --cpu-prof-dir=${path.join(REPO_ROOT, '.local', 'profiles')}`]
              : []),
          ].join(' '),
        },
      })),
      // The operator console on http://localhost:3005, forwarding /api to the gateway above.
      consoleService,
    ],
    { color: process.stdout.isTTY === true, baseEnv: process.env },
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stdout.write(`\n${signal}: stopping the services\n`);
      void supervisor.stop();
    });
  }
  await supervisor.exited;
  await simulator.close();
}

main().catch((err: unknown) => {
  console.error('start failed:', err);
  process.exit(1);
});
