import 'reflect-metadata';
import { createLogger } from '@billing/platform/logger';
import { listenNestService, runMain, workerModule } from '@billing/platform/nest-service';
import { startTelemetry } from '@billing/platform/telemetry';
import { loadConfig } from './config';
import { SagaMetricsRegistry } from './metrics/saga-metrics';
import { createSagaWorker } from './runtime';

runMain('saga-orchestrator', async () => {
  const config = loadConfig();
  const logger = createLogger('saga-orchestrator', config.LOG_LEVEL);
  await startTelemetry('saga-orchestrator', config.OTEL_ENABLED);
  const metrics = new SagaMetricsRegistry();
  const runtime = createSagaWorker(config, logger, Date.now, metrics);
  await runtime.start();
  await listenNestService({
    name: 'saga-orchestrator',
    module: workerModule(runtime),
    host: config.HOST,
    port: config.PORT,
    logger,
  });
});
