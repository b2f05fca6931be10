import { httpEnv, kafkaEnv, logEnv, parseConfig } from '@billing/platform/config';
import { z } from 'zod';

const schema = z.object({
  ...kafkaEnv,
  ...logEnv,
  ...httpEnv(3000),
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  /**
   * API keys as a JSON array: [{"key": "...", "role": "admin"}, {"sha256": "<hex>", "role": "owner",
   * "ownerId": "user_123"}]. Plain keys are hashed at start-up and the plain text is dropped.
   */
  API_KEYS: z.string().default('[]'),
  GATEWAY_CONSUMER_GROUP: z.string().min(1).default('command-gateway'),
  /** Unique per replica: each replica follows the event topics with a group of its own. */
  INSTANCE_ID: z
    .string()
    .regex(/^[a-z0-9-]{1,64}$/)
    .default(() => `gw-${process.pid}-${Date.now().toString(36)}`),
  QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(30000).default(5000),
  /** How long POST /accounts waits for the ledger's confirmation before answering 202. */
  ACCOUNT_CONFIRM_WAIT_MS: z.coerce.number().int().min(0).max(30000).default(5000),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(1048576).default(65536),
  NODE_ID: z
    .string()
    .regex(/^[a-z0-9-]{1,64}$/)
    .default('gateway-1'),
});

export type GatewayConfig = z.output<typeof schema>;

/** The only place the gateway reads the environment. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return parseConfig(schema, env);
}
