import { READINESS_CHECKS } from '@billing/platform/health';
import type { Logger } from '@billing/platform/logger';
import { Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { API_CONTROLLERS } from './api-controllers';
import { ApiKeyGuard } from './auth/auth.guard';
import type { GatewayConfig } from './config';
import { EventStreams } from './events/event-streams';
import { GatewayMessaging } from './kafka/messaging';
import { GATEWAY_SECURITY, type GatewaySecurity } from './security/gateway-security';
import { GATEWAY_CONFIG, GATEWAY_LOGGER } from './tokens';
import { MovementService } from './transactions/movement.service';
import { OpenApiController } from './openapi/openapi.controller';

export interface GatewayParts {
  config: GatewayConfig;
  logger: Logger;
  messaging: GatewayMessaging;
  security: GatewaySecurity;
}

@Module({})
export class AppModule {
  /** Wires controllers to the already-connected messaging; Nest stops it on shutdown. */
  static create(parts: GatewayParts): DynamicModule {
    class MessagingShutdown implements OnApplicationShutdown {
      async onApplicationShutdown(): Promise<void> {
        await parts.messaging.stop();
      }
    }
    return {
      module: AppModule,
      controllers: [...API_CONTROLLERS, OpenApiController],
      providers: [
        { provide: GatewayMessaging, useValue: parts.messaging },
        { provide: GATEWAY_CONFIG, useValue: parts.config },
        { provide: GATEWAY_LOGGER, useValue: parts.logger },
        { provide: GATEWAY_SECURITY, useValue: parts.security },
        { provide: READINESS_CHECKS, useValue: () => parts.messaging.readiness() },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        MovementService,
        EventStreams,
        MessagingShutdown,
      ],
    };
  }
}
