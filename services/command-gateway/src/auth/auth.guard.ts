import type { Actor } from '@billing/contracts/envelope';
import type { Logger } from '@billing/platform/logger';
import {
  createParamDecorator,
  Inject,
  Injectable,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ProblemError } from '../http/problem';
import { GATEWAY_SECURITY, type GatewaySecurity } from '../security/gateway-security';
import { GATEWAY_LOGGER } from '../tokens';

export type AuthenticatedRequest = FastifyRequest & {
  actor?: Actor;
  /** When the credential stops being valid (a JWT's exp); null for API keys, which do not expire. */
  credentialExpiresAtMs?: number | null;
};

/** The bucket a request is counted in: its caller, or its address when it names no valid caller. */
export function rateLimitKey(actor: Actor | null, ip: string): string {
  return actor === null ? `ip:${ip}` : `actor:${actor.kind}:${actor.id}`;
}

/**
 * Every /api/v1 route needs a valid API key or bearer JWT, and is rate limited per caller (per client
 * address without a valid credential, so that guessing keys is limited too). Health and docs routes stay
 * open and unlimited for probes and people.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    @Inject(GATEWAY_SECURITY) private readonly security: GatewaySecurity,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    // The matched route, not the raw URL: a percent-encoded path such as /api/%761/... reaches the same
    // route without starting with the prefix.
    if (!(request.routeOptions.url ?? request.url).startsWith('/api/v1/')) return true;
    const auth = await this.security.authenticator.authenticate(request.headers);
    const admission = this.security.rateLimiter.take(rateLimitKey(auth.ok ? auth.actor : null, request.ip));
    if (!admission.ok) {
      throw new ProblemError(429, 'RATE.LIMITED', 'too many requests; retry after the given seconds', [], {
        'retry-after': String(admission.retryAfterSeconds),
      });
    }
    if (!auth.ok) {
      // The reason is a code such as ERR_JWT_EXPIRED, never the credential itself.
      this.logger.debug({ reason: auth.reason, ip: request.ip }, 'authentication failed');
      if (auth.status === 503) throw new ProblemError(503, 'SERVICE.UNAVAILABLE', auth.detail);
      throw new ProblemError(401, 'AUTH.UNAUTHENTICATED', auth.detail, [], { 'www-authenticate': 'Bearer' });
    }
    request.actor = auth.actor;
    request.credentialExpiresAtMs = auth.expiresAtMs;
    return true;
  }
}

/** The authenticated caller of the current request. */
export const CurrentActor = createParamDecorator((_: unknown, context: ExecutionContext): Actor => {
  const actor = context.switchToHttp().getRequest<AuthenticatedRequest>().actor;
  if (!actor) throw new ProblemError(401, 'AUTH.UNAUTHENTICATED', 'not authenticated');
  return actor;
});
