import { Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { HealthController, READINESS_CHECKS, type ReadinessCheck } from './health';
import { instrumentHttp } from './http-metrics';

/**
 * Starts a worker service's HTTP side (health and /metrics) on Fastify and stops the process cleanly on SIGTERM,
 * which is how Kubernetes and the local runner end it.
 */
export async function listenNestService(options: {
  name: string;
  module: DynamicModule;
  host: string;
  port: number;
  logger: Logger;
  /** For services that also serve a Nest microservice transport (request-reply), connected before HTTP. */
  beforeListen?: (app: NestFastifyApplication) => Promise<unknown>;
}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter();
  instrumentHttp(adapter.getInstance());
  const app = await NestFactory.create<NestFastifyApplication>(options.module, adapter, {
    logger: ['error', 'warn'],
  });
  app.enableShutdownHooks();
  await options.beforeListen?.(app);
  await app.listen(options.port, options.host);
  options.logger.info({ port: options.port }, `${options.name} started`);
  return app;
}

/** Runs `main`, and on a start-up failure prints why and exits non-zero instead of hanging. */
export function runMain(name: string, main: () => Promise<unknown>): void {
  main().catch((err: unknown) => {
    console.error(`${name} failed to start:`, err);
    process.exit(1);
  });
}

export interface ServiceRuntime {
  readiness(): ReadinessCheck[];
  stop(): Promise<void>;
}

@Module({})
class WorkerModule {}

/**
 * The Nest module of a worker service: health routes, and the runtime stopped when Nest shuts down.
 * (/metrics is served by the Fastify instance itself, see http-metrics.ts.)
 */
export function workerModule(runtime: ServiceRuntime): DynamicModule {
  class RuntimeShutdown implements OnApplicationShutdown {
    async onApplicationShutdown(): Promise<void> {
      await runtime.stop();
    }
  }
  return {
    module: WorkerModule,
    controllers: [HealthController],
    providers: [{ provide: READINESS_CHECKS, useValue: () => runtime.readiness() }, RuntimeShutdown],
  };
}
