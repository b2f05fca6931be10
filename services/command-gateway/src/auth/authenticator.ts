import type { Actor } from '@billing/contracts/envelope';
import type { KeyRing } from './api-keys';
import type { JwtVerifier } from './jwt';

export type Authentication =
  | { ok: true; actor: Actor; expiresAtMs: number | null }
  | { ok: false; status: 401 | 503; detail: string; reason: string };

type Headers = Record<string, string | string[] | undefined>;

/** The credential a request presents: X-API-Key wins over an Authorization bearer token. */
export function presentedCredential(
  headers: Headers,
): { source: 'x-api-key' | 'bearer'; value: string } | null {
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.length > 0) return { source: 'x-api-key', value: apiKey };
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const match = /^Bearer\s+(\S+)$/i.exec(auth);
    if (match) return { source: 'bearer', value: match[1]! };
  }
  return null;
}

/**
 * Turns a request's headers into the actor making it. A bearer token shaped like a JWT is verified as
 * one; any other bearer token, like X-API-Key, is looked up among the API keys, because clients send
 * keys as bearer tokens too. A JWT that fails verification is not tried as a key: it was never one.
 */
export class Authenticator {
  constructor(
    private readonly keys: KeyRing,
    private readonly tokens: JwtVerifier | null,
  ) {}

  async authenticate(headers: Headers): Promise<Authentication> {
    const credential = presentedCredential(headers);
    if (credential === null) {
      return {
        ok: false,
        status: 401,
        detail: 'send an API key in X-API-Key or Authorization: Bearer',
        reason: 'no credential',
      };
    }
    if (credential.source === 'bearer' && this.tokens !== null) {
      const check = await this.tokens.check(credential.value);
      switch (check.kind) {
        case 'valid':
          return { ok: true, actor: check.actor, expiresAtMs: check.expiresAtMs };
        case 'invalid':
          return { ok: false, status: 401, detail: 'the bearer token is not valid', reason: check.reason };
        case 'unavailable':
          return {
            ok: false,
            status: 503,
            detail: 'the token issuer keys could not be fetched; retry',
            reason: check.reason,
          };
        case 'not-jwt':
          break;
        default: {
          const unreachable: never = check;
          throw new Error(`unknown token check ${JSON.stringify(unreachable)}`);
        }
      }
    }
    const actor = this.keys.authenticate(credential.value);
    if (actor === null) {
      return { ok: false, status: 401, detail: 'the API key is not valid', reason: 'unknown key' };
    }
    return { ok: true, actor, expiresAtMs: null };
  }
}
