import 'reflect-metadata';
import { createLogger } from '@billing/platform/logger';
import { listenNestService, runMain } from '@billing/platform/nest-service';
import { startTelemetry } from '@billing/platform/telemetry';
import { loadConfig } from './config';
import { createQueryServer } from './queries/query-server';
import { Projection, projectionModule } from './runtime';

runMain('projection-query', async () => {
  const config = loadConfig();
  const logger = createLogger('projection-query', config.LOG_LEVEL);
  await startTelemetry('projection-query', config.OTEL_ENABLED);
  const projection = new Projection(config, logger);
  await projection.start();
  const app = await listenNestService({
    name: 'projection-query',
    module: projectionModule(projection),
    host: config.HOST,
    port: config.PORT,
    logger,
    beforeListen: (nest) => {
      nest.connectMicroservice({ strategy: createQueryServer(config, projection.queryDeps, logger) });
      return nest.startAllMicroservices();
    },
  });
  logger.info({ url: await app.getUrl() }, 'answering queries');
});
