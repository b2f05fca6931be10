import type { Logger } from '@billing/platform/logger';
import { createKeyRing, DEV_ADMIN_KEY, type KeyRing } from '../auth/api-keys';
import { Authenticator } from '../auth/authenticator';
import { createJwtVerifier } from '../auth/jwt';
import { developmentMode, type GatewayConfig } from '../config';
import { TokenBuckets } from './token-buckets';

/** Nest injection token for the gateway's authentication and rate limiting. */
export const GATEWAY_SECURITY = Symbol('GATEWAY_SECURITY');

export interface GatewaySecurity {
  keyRing: KeyRing;
  authenticator: Authenticator;
  rateLimiter: TokenBuckets;
}

/** Builds authentication (API keys and, when configured, JWTs) and the per-caller rate limiter. */
export async function createGatewaySecurity(config: GatewayConfig, logger: Logger): Promise<GatewaySecurity> {
  const keyRing = createKeyRing(config.API_KEYS, {
    developmentMode: developmentMode(config),
    tokensConfigured: config.JWT_HS256_SECRET !== null || config.JWT_JWKS_URL !== null,
  });
  if (keyRing.usesDevelopmentKey) {
    logger.warn(
      `development mode without API_KEYS: accepting the admin key "${DEV_ADMIN_KEY}"; never run like this in production`,
    );
  }
  const tokens = await createJwtVerifier({
    hs256Secret: config.JWT_HS256_SECRET,
    jwksUrl: config.JWT_JWKS_URL,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    adminSubjects: config.JWT_ADMIN_SUBJECTS,
    clockToleranceS: config.JWT_CLOCK_TOLERANCE_S,
  });
  if (tokens !== null && config.JWT_AUDIENCE === null) {
    // Without an audience check, a token the same issuer minted for another application works here too.
    logger.warn('bearer JWTs are accepted without an audience check; set JWT_AUDIENCE');
  }
  return {
    keyRing,
    authenticator: new Authenticator(keyRing, tokens),
    rateLimiter: new TokenBuckets({
      ratePerSecond: config.RATE_LIMIT_PER_SECOND,
      burst: config.RATE_LIMIT_BURST,
      bucketsMax: config.RATE_LIMIT_BUCKETS_MAX,
    }),
  };
}
