import { databaseEnv, kafkaEnv, parseConfig } from '@billing/platform/config';
import { createDatabase } from '@billing/platform/db';
import { createKafka, kafkaSecurity } from '@billing/platform/kafka';
import { createLogger } from '@billing/platform/logger';
import { z } from 'zod';
import { DEFAULT_REBUILD_LIMITS, rebuildReadModels } from './rebuild';

/**
 * `npm run projections:rebuild`: rebuilds every read model of the projection database at DATABASE_URL
 * from the start of the event topics and swaps them in, while the service keeps running. Exit codes: 0
 * swapped in, 1 failed (the live read models are untouched).
 */
const schema = z.object({
  ...kafkaEnv,
  DATABASE_URL: databaseEnv.DATABASE_URL,
  PROJECTION_CONSUMER_GROUP: z.string().min(1).default('projection-query'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  REBUILD_TIMEOUT_MS: z.coerce.number().int().min(1000).default(DEFAULT_REBUILD_LIMITS.catchUpTimeoutMs),
});

async function main(): Promise<number> {
  const config = parseConfig(schema, process.env);
  const logger = createLogger('projection-rebuild', config.LOG_LEVEL);
  const knex = createDatabase({
    url: config.DATABASE_URL,
    poolMax: 5,
    applicationName: 'projection-rebuild',
  });
  const kafka = createKafka(
    {
      brokers: config.KAFKA_BROKERS,
      clientId: 'projection-rebuild',
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
      security: kafkaSecurity(config),
    },
    logger,
  );
  const admin = kafka.admin();
  await admin.connect();
  try {
    const report = await rebuildReadModels(
      {
        knex,
        kafka,
        admin,
        logger,
        topicPrefix: config.KAFKA_TOPIC_PREFIX,
        consumerGroup: config.PROJECTION_CONSUMER_GROUP,
        sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
        nowMs: Date.now,
      },
      { ...DEFAULT_REBUILD_LIMITS, catchUpTimeoutMs: config.REBUILD_TIMEOUT_MS },
    );
    console.log(
      `rebuilt and swapped in: ${report.applied} events applied, ${report.skipped} skipped, ${report.durationMs} ms`,
    );
    for (const [table, t] of Object.entries(report.digest.tables))
      console.log(`  ${table}: ${t.rows} rows, md5 ${t.md5}`);
    console.log(`digest ${report.digest.digest}`);
    return 0;
  } finally {
    await admin.disconnect();
    await knex.destroy();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`rebuild failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
