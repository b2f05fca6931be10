import { simulatorOptionsFromEnv } from './config';
import { startSimulator } from './simulator';

/**
 * Runs the provider simulator as a process for local runs: configuration from the environment, one log
 * line once it listens, and a clean stop on SIGINT or SIGTERM so that supervisors see a zero exit.
 */
async function main(): Promise<void> {
  const options = simulatorOptionsFromEnv(process.env);
  const simulator = await startSimulator(options);
  console.log(
    `provider simulator listening on ${simulator.url} ` +
      `(latency ${options.latencyMs} ms, failure rate ${options.failureRate}, ` +
      `void failure rate ${options.voidFailureRate}, ` +
      `late answers after ${options.lateAnswerMs} ms)`,
  );
  const stop = (signal: NodeJS.Signals): void => {
    simulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`provider simulator failed to stop on ${signal}:`, error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error('provider simulator failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
