import { databaseEnv, httpEnv, kafkaEnv, logEnv, parseConfig } from '@billing/platform/config';
import { z } from 'zod';

const schema = z.object({
  ...kafkaEnv,
  ...logEnv,
  ...httpEnv(3001),
  ...databaseEnv,
  LEDGER_CONSUMER_GROUP: z.string().min(1).default('account-ledger'),
  HOLD_SWEEP_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  HOLD_SWEEP_BATCH_MAX: z.coerce.number().int().min(1).max(10_000).default(200),
  /** A range of an account stream republished less than this ago is not republished again. */
  REPUBLISH_MIN_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(10_000),
  /** Most events one batch of the read side's republish requests puts on the topic again. */
  REPUBLISH_EVENTS_PER_BATCH_MAX: z.coerce.number().int().min(1).max(10_000).default(1000),
  NODE_ID: z
    .string()
    .regex(/^[a-z0-9-]{1,64}$/)
    .default('ledger-1'),
});

export type LedgerConfig = z.output<typeof schema>;

/** The only place the ledger reads the environment. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): LedgerConfig {
  return parseConfig(schema, env);
}
