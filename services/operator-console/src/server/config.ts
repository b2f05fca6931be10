import { z } from 'zod';

/** The console server's settings, parsed from the environment once at start-up. */
const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3005),
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Where the gateway listens; the console forwards /api/ and /health/ there. */
  GATEWAY_URL: z.url().default('http://127.0.0.1:3000'),
  /** A request to the gateway that sends no headers within this long is answered 504. */
  GATEWAY_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(30_000),
});
export type ConsoleConfig = z.infer<typeof ConfigSchema>;

export function loadConfig(env: NodeJS.ProcessEnv): ConsoleConfig {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid console configuration: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return parsed.data;
}
