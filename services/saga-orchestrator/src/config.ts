import { databaseEnv, httpEnv, kafkaEnv, logEnv, parseConfig } from '@billing/platform/config';
import { z } from 'zod';

const schema = z.object({
  ...kafkaEnv,
  ...logEnv,
  ...httpEnv(3002),
  ...databaseEnv,
  SAGA_CONSUMER_GROUP: z.string().min(1).default('saga-orchestrator'),
  NODE_ID: z
    .string()
    .regex(/^[a-z0-9-]{1,64}$/)
    .default('saga-1'),
});

export type SagaConfig = z.output<typeof schema>;

/** The only place the orchestrator reads the environment. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): SagaConfig {
  return parseConfig(schema, env);
}
