import 'reflect-metadata';
import { createLogger } from '@billing/platform/logger';
import { listenNestService, runMain, workerModule } from '@billing/platform/nest-service';
import { startTelemetry } from '@billing/platform/telemetry';
import { loadConfig } from './config';
import { createLedgerWorker } from './runtime';

runMain('account-ledger', async () => {
  const config = loadConfig();
  const logger = createLogger('account-ledger', config.LOG_LEVEL);
  await startTelemetry('account-ledger', config.OTEL_ENABLED);
  const runtime = createLedgerWorker(config, logger);
  await runtime.start();
  await listenNestService({
    name: 'account-ledger',
    module: workerModule(runtime),
    host: config.HOST,
    port: config.PORT,
    logger,
  });
});
