import { databaseEnv, httpEnv, kafkaEnv, logEnv, parseConfig } from '@billing/platform/config';
import { z } from 'zod';

const schema = z.object({
  ...kafkaEnv,
  ...logEnv,
  ...httpEnv(3002),
  ...databaseEnv,
  SAGA_CONSUMER_GROUP: z.string().min(1).default('saga-orchestrator'),
  /** Base URL of the bill and payout providers (the simulator locally). */
  PROVIDER_URL: z.url().default('http://127.0.0.1:4010'),
  PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
  PROVIDER_ATTEMPTS_MAX: z.coerce.number().int().min(1).max(20).default(5),
  PROVIDER_BACKOFF_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  PROVIDER_BACKOFF_MAX_MS: z.coerce.number().int().min(10).max(600_000).default(10_000),
  /** How long a withdrawal's or bill payment's hold lives; far longer than all provider attempts. */
  HOLD_TTL_MS: z.coerce
    .number()
    .int()
    .min(60_000)
    .max(7 * 24 * 3600 * 1000)
    .default(3600_000),
  /** A ledger step unanswered this long has its command sent again (the ledger answers replays). */
  STEP_DEADLINE_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  STEP_RESENDS_MAX: z.coerce.number().int().min(0).max(20).default(3),
  /** After the provider attempts ran out: how often to ask it to void before a person is asked. */
  VOID_ATTEMPTS_MAX: z.coerce.number().int().min(1).max(100).default(10),
  /** How often a capture the ledger refused after the provider paid is retried (with back-off). */
  CAPTURE_RETRIES_MAX: z.coerce.number().int().min(0).max(100).default(10),
  /** The provider that collects owners' top-ups (card, bank debit); its EXTERNAL accounts are opened at start. */
  FUNDING_PROVIDER: z
    .string()
    .regex(/^[a-z0-9_-]{2,32}$/)
    .default('cardpay'),
  TASK_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  TASK_BATCH_MAX: z.coerce.number().int().min(1).max(1000).default(50),
  BILL_PROVIDERS: z
    .string()
    .default('ekedc,ikedc')
    .transform((s) =>
      s
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    ),
  SETTLEMENT_CURRENCIES: z
    .string()
    .default('USD,EUR,GBP,JPY')
    .transform((s) =>
      s
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean),
    ),
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
