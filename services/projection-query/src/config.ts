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
  /** A gap in an account stream that lasts this long is asked for from the ledger (the read side heals). */
  GAP_REPAIR_AFTER_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
  /** How often the read side looks for lasting gaps and healed repairs. */
  GAP_REPAIR_INTERVAL_MS: z.coerce.number().int().min(50).max(600_000).default(2000),
  /** First wait before a request for a gap that stays open is sent again; it doubles, up to 5 minutes. */
  GAP_REPAIR_RESEND_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
  /** Longest one SQL statement of a query may run; below the gateway's QUERY_TIMEOUT_MS on purpose. */
  QUERY_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(30000).default(3000),
  /** Connections of the query pool, apart from the consumers' so that reads never wait behind writes. */
  QUERY_POOL_MAX: z.coerce.number().int().min(1).max(100).default(8),
});

export type ProjectionConfig = z.output<typeof schema>;

/** The only place projection-query reads the environment. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ProjectionConfig {
  return parseConfig(schema, env);
}
