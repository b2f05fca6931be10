import { databaseEnv, httpEnv, kafkaEnv, logEnv, parseConfig } from '@billing/platform/config';
import { z } from 'zod';

const schema = z.object({
  ...kafkaEnv,
  ...logEnv,
  ...httpEnv(3003),
  ...databaseEnv,
  PROJECTION_CONSUMER_GROUP: z.string().min(1).default('projection-query'),
  /** A pending transaction older than this is listed as stuck: its saga missed its deadline. */
  STUCK_AFTER_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(7 * 24 * 3600 * 1000)
    .default(5 * 60 * 1000),
  /** Longest one SQL statement of a query may run; below the gateway's QUERY_TIMEOUT_MS on purpose. */
  QUERY_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(30000).default(3000),
});

export type ProjectionConfig = z.output<typeof schema>;

/** The only place projection-query reads the environment. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ProjectionConfig {
  return parseConfig(schema, env);
}
