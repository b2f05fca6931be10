import 'reflect-metadata';
import { instrumentHttp } from '@billing/platform/http-metrics';
import type { Logger } from '@billing/platform/logger';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import type { GatewayConfig } from './config';
import { ProblemFilter } from './http/problem';
import { GatewayMessaging } from './kafka/messaging';
import { corsOptions } from './security/cors';
import { createGatewaySecurity } from './security/gateway-security';
import { frameworkErrorHandler, installHardening, serverTimeouts } from './security/http-hardening';

/**
 * Builds the gateway: messaging connected first (a gateway that cannot reach Kafka should not take
 * traffic), then the Fastify-backed Nest app with JSON-only bodies under a size limit, security headers,
 * a deadline per request, and CORS only for the configured origins.
 */
export async function createGateway(config: GatewayConfig, logger: Logger): Promise<NestFastifyApplication> {
  const security = await createGatewaySecurity(config, logger);
  const messaging = new GatewayMessaging(config, logger);
  await messaging.start();
  const adapter = new FastifyAdapter({
    bodyLimit: config.BODY_LIMIT_BYTES,
    logger: false,
    frameworkErrors: frameworkErrorHandler(config.NODE_ENV === 'production'),
    ...serverTimeouts(config.REQUEST_TIMEOUT_MS),
  });
  // /metrics, a duration histogram per route, and the request's server span (traceparent in,
  // traceresponse out), before Nest's routes and the hardening hooks.
  instrumentHttp(adapter.getInstance(), { traceRequests: true });
  installHardening(
    adapter.getInstance(),
    { production: config.NODE_ENV === 'production', requestTimeoutMs: config.REQUEST_TIMEOUT_MS },
    logger,
  );
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.create({ config, logger, messaging, security }),
    adapter,
    {
      logger: ['error', 'warn'],
    },
  );
  if (config.CORS_ORIGINS.length > 0) app.enableCors(corsOptions(config.CORS_ORIGINS));
  // Only JSON bodies are accepted; any other media type is answered 415 by Fastify.
  app.getHttpAdapter().getInstance().removeContentTypeParser('text/plain');
  app.useGlobalFilters(new ProblemFilter(logger));
  app.enableShutdownHooks();
  return app;
}
