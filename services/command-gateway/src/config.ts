import { httpEnv, kafkaEnv, logEnv, parseConfig } from '@billing/platform/config';
import { z } from 'zod';

/** A comma-separated list, trimmed, without empty items. */
const commaList = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );

/** An optional variable: unset and empty both mean "not configured". */
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? null : v.trim()));

const schema = z
  .object({
    ...kafkaEnv,
    ...logEnv,
    ...httpEnv(3000),
    /** Unset is not development: nothing is relaxed because a variable was forgotten. */
    NODE_ENV: z
      .enum(['development', 'test', 'production'])
      .optional()
      .transform((v) => v ?? null),
    /**
     * Development mode, asked for explicitly (`npm start` does): without API_KEYS the gateway then
     * accepts the well-known development admin key. NODE_ENV=development, set explicitly, means the same.
     */
    GATEWAY_DEV_MODE: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
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
    /** How long a command's send may take before the client is told it was not confirmed (503). */
    COMMAND_SEND_TIMEOUT_MS: z.coerce.number().int().min(100).max(60000).default(5000),
    /** Sends still waiting for the broker beyond which new commands are refused at once (503). */
    COMMAND_SENDS_IN_FLIGHT_MAX: z.coerce.number().int().min(1).max(100000).default(1000),
    /**
     * How long a money movement without `Prefer: wait` waits for the orchestrator to take it (accepted,
     * a replay of a known request, or the key reused with other terms) before answering 202 anyway.
     */
    COMMAND_ACK_WAIT_MS: z.coerce.number().int().min(0).max(30000).default(5000),
    /** Accounts whose owner, type and currency (which never change) the gateway remembers for its checks. */
    ACCOUNT_FACTS_CACHE_MAX: z.coerce.number().int().min(0).max(10000000).default(100000),
    /** How long POST /accounts waits for the ledger's confirmation before answering 202. */
    ACCOUNT_CONFIRM_WAIT_MS: z.coerce.number().int().min(0).max(30000).default(5000),
    BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(1048576).default(65536),
    NODE_ID: z
      .string()
      .regex(/^[a-z0-9-]{1,64}$/)
      .default('gateway-1'),

    /** HS256 shared secret for bearer JWTs; at least 32 characters, as RFC 7518 asks of an HS256 key. */
    JWT_HS256_SECRET: optionalText.refine((v) => v === null || v.length >= 32, 'at least 32 characters'),
    /** Where the issuer publishes its RS256/ES256 public keys. */
    JWT_JWKS_URL: optionalText.refine((v) => v === null || URL.canParse(v), 'must be a URL'),
    JWT_ISSUER: optionalText,
    JWT_AUDIENCE: optionalText,
    /** Subjects whose `role: "admin"` claim is honoured; nobody else becomes admin through a token. */
    JWT_ADMIN_SUBJECTS: commaList,
    JWT_CLOCK_TOLERANCE_S: z.coerce.number().int().min(0).max(300).default(5),

    /** Token bucket per caller: the steady rate and the burst a caller may spend at once. */
    RATE_LIMIT_PER_SECOND: z.coerce.number().int().min(1).max(100000).default(50),
    RATE_LIMIT_BURST: z.coerce.number().int().min(1).max(100000).default(100),
    RATE_LIMIT_BUCKETS_MAX: z.coerce.number().int().min(100).max(1000000).default(10000),

    /**
     * The gateway's own budget for one request. A client's `Prefer: wait=N` is added on top, so a long
     * wait the client asked for is never cut short by this timeout.
     */
    REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).max(120000).default(20000),

    /** Browser origins allowed to call the API; none means no CORS headers at all. */
    CORS_ORIGINS: commaList.refine(
      (origins) => origins.every((o) => /^https?:\/\/[^/\s]+$/.test(o)),
      'each origin is scheme://host[:port], without a path',
    ),

    SSE_HEARTBEAT_MS: z.coerce.number().int().min(10).max(30000).default(15000),
    /** Recent events kept per replica so that a reconnecting stream can resume with Last-Event-ID. */
    SSE_REPLAY_MAX: z.coerce.number().int().min(0).max(100000).default(1000),
    SSE_STREAMS_PER_KEY_MAX: z.coerce.number().int().min(1).max(1000).default(5),
    SSE_STREAMS_MAX: z.coerce.number().int().min(1).max(100000).default(1000),
    /** Streams end after this long (and when their token expires); clients reconnect with Last-Event-ID. */
    SSE_STREAM_MAX_MS: z.coerce.number().int().min(1000).max(86400000).default(900000),
    /** Unsent bytes a slow client may leave queued before its stream is closed. */
    SSE_CLIENT_BUFFER_MAX_BYTES: z.coerce.number().int().min(1024).max(16777216).default(1048576),
  })
  .superRefine((c, ctx) => {
    if (c.GATEWAY_DEV_MODE && c.NODE_ENV === 'production') {
      ctx.addIssue({ code: 'custom', path: ['GATEWAY_DEV_MODE'], message: 'must not be true in production' });
    }
    // A JWKS fetched over plain HTTP could be swapped in transit, and with it every key that signs tokens.
    if (c.NODE_ENV === 'production' && c.JWT_JWKS_URL !== null && !c.JWT_JWKS_URL.startsWith('https:')) {
      ctx.addIssue({ code: 'custom', path: ['JWT_JWKS_URL'], message: 'must use https in production' });
    }
  });

export type GatewayConfig = z.output<typeof schema>;

/** Development mode only when asked for: GATEWAY_DEV_MODE=true, or NODE_ENV=development set explicitly. */
export function developmentMode(config: Pick<GatewayConfig, 'GATEWAY_DEV_MODE' | 'NODE_ENV'>): boolean {
  return config.GATEWAY_DEV_MODE || config.NODE_ENV === 'development';
}

/** The only place the gateway reads the environment. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return parseConfig(schema, env);
}
