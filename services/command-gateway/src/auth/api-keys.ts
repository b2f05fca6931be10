import { createHash, timingSafeEqual } from 'node:crypto';
import type { Actor } from '@billing/contracts/envelope';
import { z } from 'zod';

/** The development key, accepted only in explicit development mode when no key is configured. */
export const DEV_ADMIN_KEY = 'dev-admin-key';

const KeyEntrySchema = z.union([
  z.strictObject({ key: z.string().min(12), role: z.literal('admin') }),
  z.strictObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/), role: z.literal('admin') }),
  z.strictObject({ key: z.string().min(12), role: z.literal('owner'), ownerId: z.string().min(1) }),
  z.strictObject({
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    role: z.literal('owner'),
    ownerId: z.string().min(1),
  }),
]);

interface StoredKey {
  hash: Buffer;
  actor: Actor;
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export interface KeyRing {
  authenticate(presented: string): Actor | null;
  usesDevelopmentKey: boolean;
}

export interface KeyRingOptions {
  /** Development mode was asked for explicitly (GATEWAY_DEV_MODE=true or NODE_ENV=development). */
  developmentMode: boolean;
  /** Bearer JWTs are configured: callers have a credential even without API keys. */
  tokensConfigured: boolean;
}

export const NO_CREDENTIALS_MESSAGE =
  'no credentials configured: set API_KEYS (or JWT_HS256_SECRET / JWT_JWKS_URL); for local development ' +
  `only, GATEWAY_DEV_MODE=true accepts the admin key "${DEV_ADMIN_KEY}"`;

/**
 * Builds the key ring from configuration. Keys are kept only as SHA-256 hashes and compared in constant
 * time. Without configured keys, explicit development mode gets the well-known admin key; otherwise a
 * gateway with no credential at all refuses to start, whatever NODE_ENV says (or does not say).
 */
export function createKeyRing(apiKeysJson: string, options: KeyRingOptions): KeyRing {
  let raw: unknown;
  try {
    raw = JSON.parse(apiKeysJson);
  } catch {
    throw new Error('API_KEYS is not valid JSON');
  }
  const parsed = z.array(KeyEntrySchema).safeParse(raw);
  if (!parsed.success)
    throw new Error(`API_KEYS is invalid: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  const keys: StoredKey[] = parsed.data.map((entry) => ({
    hash: 'key' in entry ? sha256(entry.key) : Buffer.from(entry.sha256, 'hex'),
    actor:
      entry.role === 'admin'
        ? { kind: 'admin', id: `key-${hashPrefix(entry)}` }
        : { kind: 'owner', id: entry.ownerId },
  }));
  let usesDevelopmentKey = false;
  if (keys.length === 0 && options.developmentMode) {
    keys.push({ hash: sha256(DEV_ADMIN_KEY), actor: { kind: 'admin', id: 'dev-admin' } });
    usesDevelopmentKey = true;
  } else if (keys.length === 0 && !options.tokensConfigured) {
    throw new Error(NO_CREDENTIALS_MESSAGE);
  }
  return {
    usesDevelopmentKey,
    authenticate(presented: string): Actor | null {
      const hash = sha256(presented);
      // Every key is compared, so the time taken says nothing about which one nearly matched.
      let found: Actor | null = null;
      for (const k of keys) if (timingSafeEqual(k.hash, hash)) found = k.actor;
      return found;
    },
  };
}

function hashPrefix(entry: { key: string } | { sha256: string }): string {
  return ('key' in entry ? sha256(entry.key).toString('hex') : entry.sha256).slice(0, 12);
}
