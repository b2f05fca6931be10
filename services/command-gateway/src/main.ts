import 'reflect-metadata';
import { createLogger } from '@billing/platform/logger';
import { runMain } from '@billing/platform/nest-service';
import { startTelemetry } from '@billing/platform/telemetry';
import { loadConfig } from './config';
import { createGateway } from './server';

runMain('command-gateway', async () => {
  const config = loadConfig();
  const logger = createLogger('command-gateway', config.LOG_LEVEL);
  await startTelemetry('command-gateway', config.OTEL_ENABLED);
  const app = await createGateway(config, logger);
  await app.listen(config.PORT, config.HOST);
  logger.info({ port: config.PORT }, 'command-gateway started');
});
