import { databaseEnv, httpEnv, kafkaEnv, logEnv, parseConfig } from '@billing/platform/config';
import { z } from 'zod';

const schema = z.object({
  ...kafkaEnv,
  ...logEnv,
  ...httpEnv(3003),
  ...databaseEnv,
  PROJECTION_CONSUMER_GROUP: z.string().min(1).default('projection-query'),
});

export type ProjectionConfig = z.output<typeof schema>;

/** The only place projection-query reads the environment. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ProjectionConfig {
  return parseConfig(schema, env);
}
