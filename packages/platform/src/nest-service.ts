import {
  Controller,
  Get,
  Header,
  Inject,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { HealthController, READINESS_CHECKS, type ReadinessCheck } from './health';

/**
 * Starts a worker service's HTTP side (health only) on Fastify and stops the process cleanly on SIGTERM,
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
  const app = await NestFactory.create<NestFastifyApplication>(options.module, new FastifyAdapter(), {
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

const WORKER_METRICS = Symbol('WORKER_METRICS');

/** GET /metrics in the Prometheus text format, for a worker that has metrics of its own. */
@Controller('metrics')
class WorkerMetricsController {
  constructor(@Inject(WORKER_METRICS) private readonly render: () => Promise<string>) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async metrics(): Promise<string> {
    return this.render();
  }
}

/**
 * The Nest module of a worker service: health routes (and /metrics when the worker renders metrics),
 * and the runtime stopped when Nest shuts down.
 */
export function workerModule(
  runtime: ServiceRuntime,
  options: { metrics?: () => Promise<string> } = {},
): DynamicModule {
  class RuntimeShutdown implements OnApplicationShutdown {
    async onApplicationShutdown(): Promise<void> {
      await runtime.stop();
    }
  }
  return {
    module: WorkerModule,
    controllers: options.metrics ? [HealthController, WorkerMetricsController] : [HealthController],
    providers: [
      { provide: READINESS_CHECKS, useValue: () => runtime.readiness() },
      ...(options.metrics ? [{ provide: WORKER_METRICS, useValue: options.metrics }] : []),
      RuntimeShutdown,
    ],
  };
}
