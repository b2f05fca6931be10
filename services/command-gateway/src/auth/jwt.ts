import type { Actor } from '@billing/contracts/envelope';
import type { JWTPayload, JWTVerifyOptions } from 'jose' with { 'resolution-mode': 'import' };
import { z } from 'zod';
import { loadJose, type Jose } from './jose';

/** Longer bearer tokens are refused before any parsing; real access tokens are a few kilobytes. */
export const TOKEN_LENGTH_MAX = 8192;
/** How long one fetch of the JWKS may take before the request fails as unavailable. */
export const JWKS_TIMEOUT_MS = 5000;
/** After a successful fetch, an unknown key id may trigger another fetch only after this pause. */
export const JWKS_COOLDOWN_MS = 30_000;
/** Fetched keys are trusted this long before they are fetched again. */
export const JWKS_CACHE_MAX_AGE_MS = 600_000;

const SYMMETRIC_ALGORITHMS = ['HS256'];
const ASYMMETRIC_ALGORITHMS = ['RS256', 'ES256'];

/** What a bearer token turned out to be. */
export type TokenCheck =
  | { kind: 'not-jwt' }
  | { kind: 'valid'; actor: Actor; expiresAtMs: number }
  | { kind: 'invalid'; reason: string }
  | { kind: 'unavailable'; reason: string };

export interface JwtSettings {
  hs256Secret: string | null;
  jwksUrl: string | null;
  issuer: string | null;
  audience: string | null;
  adminSubjects: readonly string[];
  clockToleranceS: number;
}

export interface JwtVerifier {
  check(token: string): Promise<TokenCheck>;
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const SubjectSchema = z.string().min(1).max(128);

/**
 * Verifies bearer JWTs: HS256 with the shared secret, RS256/ES256 with the issuer's JWKS. Each family
 * only accepts its own algorithms, so a token cannot pick the HS256 path with a public key as the
 * secret. Returns null when neither a secret nor a JWKS is configured.
 */
export async function createJwtVerifier(settings: JwtSettings): Promise<JwtVerifier | null> {
  if (settings.hs256Secret === null && settings.jwksUrl === null) return null;
  const jose = await loadJose();
  const secret = settings.hs256Secret === null ? null : new TextEncoder().encode(settings.hs256Secret);
  const jwks =
    settings.jwksUrl === null
      ? null
      : jose.createRemoteJWKSet(new URL(settings.jwksUrl), {
          timeoutDuration: JWKS_TIMEOUT_MS,
          cooldownDuration: JWKS_COOLDOWN_MS,
          cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
        });
  const claims: JWTVerifyOptions = {
    requiredClaims: ['sub', 'exp'],
    clockTolerance: settings.clockToleranceS,
    ...(settings.issuer === null ? {} : { issuer: settings.issuer }),
    ...(settings.audience === null ? {} : { audience: settings.audience }),
  };
  const admins = new Set(settings.adminSubjects);

  return {
    async check(token: string): Promise<TokenCheck> {
      const alg = algorithmOf(jose, token);
      if (alg === null) return { kind: 'not-jwt' };
      try {
        let payload: JWTPayload;
        if (SYMMETRIC_ALGORITHMS.includes(alg) && secret !== null) {
          ({ payload } = await jose.jwtVerify(token, secret, {
            ...claims,
            algorithms: SYMMETRIC_ALGORITHMS,
          }));
        } else if (ASYMMETRIC_ALGORITHMS.includes(alg) && jwks !== null) {
          ({ payload } = await jose.jwtVerify(token, jwks, { ...claims, algorithms: ASYMMETRIC_ALGORITHMS }));
        } else {
          return { kind: 'invalid', reason: `algorithm ${alg} is not accepted` };
        }
        return toActor(payload, admins);
      } catch (err) {
        return classify(jose, err);
      }
    },
  };
}

/** The token's `alg` when it is shaped like a signed JWT, or null for anything else (an API key). */
function algorithmOf(jose: Jose, token: string): string | null {
  if (token.length > TOKEN_LENGTH_MAX || !COMPACT_JWS.test(token)) return null;
  try {
    const { alg } = jose.decodeProtectedHeader(token);
    return typeof alg === 'string' ? alg : null;
  } catch {
    return null;
  }
}

/**
 * The subject is the owner the token speaks for. A `role: "admin"` claim alone is not trusted: anyone
 * who can get a token from the issuer could ask for it, so only subjects listed in JWT_ADMIN_SUBJECTS
 * become admins, and only when their token also carries the claim.
 */
function toActor(payload: JWTPayload, admins: ReadonlySet<string>): TokenCheck {
  const sub = SubjectSchema.safeParse(payload.sub);
  if (!sub.success) return { kind: 'invalid', reason: 'sub must be 1-128 characters' };
  const expiresAtMs = (payload.exp ?? 0) * 1000;
  const isAdmin = payload.role === 'admin' && admins.has(sub.data);
  return { kind: 'valid', actor: { kind: isAdmin ? 'admin' : 'owner', id: sub.data }, expiresAtMs };
}

/** A key set that cannot be fetched says nothing about the token: the caller should retry, not log in. */
function classify(jose: Jose, err: unknown): TokenCheck {
  if (err instanceof jose.errors.JOSEError) {
    if (['ERR_JWKS_TIMEOUT', 'ERR_JOSE_GENERIC', 'ERR_JWKS_INVALID'].includes(err.code)) {
      return { kind: 'unavailable', reason: err.code };
    }
    return { kind: 'invalid', reason: err.code };
  }
  return { kind: 'unavailable', reason: err instanceof Error ? err.name : 'unknown error' };
}
