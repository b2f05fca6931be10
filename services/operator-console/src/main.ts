import path from 'node:path';
import { loadConfig } from './server/config';
import { startConsoleServer } from './server/console-server';

/** `npm start` runs this: the console on PORT (3005), forwarding the API to GATEWAY_URL. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const running = await startConsoleServer({
    port: config.PORT,
    host: config.HOST,
    gatewayUrl: config.GATEWAY_URL,
    gatewayTimeoutMs: config.GATEWAY_TIMEOUT_MS,
    staticDir: path.join(__dirname, 'public'),
  });
  console.log(
    `operator console on ${running.url.replace('127.0.0.1', 'localhost')} (gateway ${config.GATEWAY_URL})`,
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void running.close().then(() => process.exit(0)));
  }
}

main().catch((err: unknown) => {
  console.error('operator console failed to start:', err);
  process.exit(1);
});
