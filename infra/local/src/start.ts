import { provision } from './provision';
import { SERVICES } from './services';
import { superviseServices } from './supervisor';

/**
 * `npm start`: provisions databases and topics, then runs the four services with prefixed logs until
 * Ctrl-C. The broker and PostgreSQL were made available by scripts/start.sh.
 */
async function main(): Promise<void> {
  const kafkaBrokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  const databaseServerUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const topicPrefix = process.env.KAFKA_TOPIC_PREFIX ?? '';
  const urls = await provision({ kafkaBrokers, databaseServerUrl, topicPrefix });
  const supervisor = superviseServices(
    SERVICES.map((s) => ({
      name: s.name,
      env: {
        PORT: String(s.port),
        KAFKA_BROKERS: kafkaBrokers.join(','),
        KAFKA_TOPIC_PREFIX: topicPrefix,
        ...(urls[s.name] ? { DATABASE_URL: urls[s.name]! } : {}),
      },
    })),
    { color: process.stdout.isTTY === true, baseEnv: process.env },
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stdout.write(`\n${signal}: stopping the services\n`);
      void supervisor.stop();
    });
  }
  await supervisor.exited;
}

main().catch((err: unknown) => {
  console.error('start failed:', err);
  process.exit(1);
});
