import { z } from 'zod';
import type { SimulatorOptions } from './simulator';

/** The port a local run listens on, fixed so that the services' provider URLs can be configured once. */
export const DEFAULT_PORT = 4010;

/**
 * Reads a numeric variable. An empty value counts as unset, because compose files and shell scripts often
 * export `VAR=` to mean "use the default".
 */
function numberFrom(description: string, check: (value: number) => boolean) {
  return z.preprocess(
    (raw) => (raw === '' ? undefined : raw),
    z
      .string()
      .regex(/^\d+(\.\d+)?$/, `must be ${description}`)
      .transform(Number)
      .refine(check, `must be ${description}`)
      .optional(),
  );
}

const environmentSchema = z.object({
  PORT: numberFrom('an integer port from 0 to 65535', (n) => Number.isInteger(n) && n <= 65535),
  SIMULATOR_LATENCY_MS: numberFrom('a number of milliseconds (0 or more)', () => true),
  SIMULATOR_FAILURE_RATE: numberFrom('a probability from 0 to 1', (n) => n <= 1),
  SIMULATOR_VOID_FAILURE_RATE: numberFrom('a probability from 0 to 1', (n) => n <= 1),
  SIMULATOR_LATE_ANSWER_MS: numberFrom('a number of milliseconds (0 or more)', () => true),
});

/**
 * Turns the environment into simulator options. Every bad variable is reported by name in one message,
 * so that whoever starts the simulator fixes their configuration in one go.
 */
export function simulatorOptionsFromEnv(env: NodeJS.ProcessEnv): Required<Omit<SimulatorOptions, 'random'>> {
  const result = environmentSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new Error(`invalid environment: ${problems.join('; ')}`);
  }
  const vars = result.data;
  return {
    port: vars.PORT ?? DEFAULT_PORT,
    latencyMs: vars.SIMULATOR_LATENCY_MS ?? 0,
    failureRate: vars.SIMULATOR_FAILURE_RATE ?? 0,
    voidFailureRate: vars.SIMULATOR_VOID_FAILURE_RATE ?? 0,
    lateAnswerMs: vars.SIMULATOR_LATE_ANSWER_MS ?? 5000,
  };
}
