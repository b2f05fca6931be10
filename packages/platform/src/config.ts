import { z } from 'zod';

/**
 * Parses a service's configuration from the environment once, at start-up. A bad or missing variable
 * stops the process with a message naming every offending variable, instead of failing later in a
 * code path that happens to read it.
 */
export function parseConfig<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): z.output<T> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
  throw new Error(`invalid configuration:\n${lines.join('\n')}`);
}

/** An optional variable: unset and empty both mean "not configured". */
const optionalSetting = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v));

/** Variables every service reads for Kafka. */
export const kafkaEnv = {
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((s) =>
      s
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
    ),
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[a-z0-9._-]*$/, 'lower-case letters, digits, dot, dash or underscore')
    .default(''),
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).max(300000).default(10000),
  /**
   * Most messages a consumer applies in one database transaction. Batching is the throughput lever;
   * 1 switches it off (one transaction per message), which the benchmark uses to show what it buys.
   */
  CONSUMER_BATCH_MAX: z.coerce.number().int().min(1).max(10000).default(500),
  /**
   * The service's own broker identity (docs/adr/0007-broker-identities-and-acls.md). Unset means no SASL,
   * for a broker without authentication. In Kubernetes they come from a Secret.
   */
  KAFKA_SASL_MECHANISM: z
    .enum(['plain', 'scram-sha-256', 'scram-sha-512', ''])
    .optional()
    .transform((v) => (v === '' ? undefined : v)),
  KAFKA_SASL_USERNAME: optionalSetting,
  KAFKA_SASL_PASSWORD: optionalSetting,
  /** TLS to the broker; with the files below also for a private CA and for mutual TLS (client certificate). */
  KAFKA_SSL: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  KAFKA_SSL_CA_FILE: optionalSetting,
  KAFKA_SSL_CERT_FILE: optionalSetting,
  KAFKA_SSL_KEY_FILE: optionalSetting,
};

export type KafkaEnv = z.output<z.ZodObject<typeof kafkaEnv>>;

export const logEnv = {
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  OTEL_ENABLED: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
};

export const httpEnv = (defaultPort: number) => ({
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(defaultPort),
});

export const databaseEnv = {
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  DATABASE_POOL_MAX: z.coerce.number().int().min(2).max(100).default(10),
  /**
   * How long a pooled connection serves before it is replaced (plus up to as much again, at random, so
   * the pool does not reconnect all at once); 0 keeps connections for good. See `createDatabase`.
   */
  DATABASE_CONNECTION_LIFETIME_MS: z.coerce.number().int().min(0).default(15_000),
};
