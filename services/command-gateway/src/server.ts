import 'reflect-metadata';
import type { Logger } from '@billing/platform/logger';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { createKeyRing } from './auth/api-keys';
import type { GatewayConfig } from './config';
import { ProblemFilter } from './http/problem';
import { GatewayMessaging } from './kafka/messaging';

/**
 * Builds the gateway: messaging connected first (a gateway that cannot reach Kafka should not take
 * traffic), then the Fastify-backed Nest app with JSON-only bodies under a size limit.
 */
export async function createGateway(config: GatewayConfig, logger: Logger): Promise<NestFastifyApplication> {
  const keyRing = createKeyRing(config.API_KEYS, config.NODE_ENV);
  if (keyRing.usesDevelopmentKey) {
    logger.warn(
      'no API_KEYS configured: accepting the development admin key; never run like this in production',
    );
  }
  const messaging = new GatewayMessaging(config, logger);
  await messaging.start();
  const adapter = new FastifyAdapter({ bodyLimit: config.BODY_LIMIT_BYTES, logger: false });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.create({ config, logger, messaging, keyRing }),
    adapter,
    {
      logger: ['error', 'warn'],
    },
  );
  // Only JSON bodies are accepted; any other media type is answered 415 by Fastify.
  app.getHttpAdapter().getInstance().removeContentTypeParser('text/plain');
  app.useGlobalFilters(new ProblemFilter(logger));
  app.enableShutdownHooks();
  return app;
}
