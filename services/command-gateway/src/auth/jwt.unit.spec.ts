import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadJose, type Jose } from './jose';
import { createJwtVerifier, type JwtSettings, type JwtVerifier } from './jwt';

const SECRET = randomBytes(32).toString('hex');
const settings: JwtSettings = {
  hs256Secret: SECRET,
  jwksUrl: null,
  issuer: 'https://issuer.test',
  audience: 'billing-api',
  adminSubjects: ['root-admin'],
  clockToleranceS: 0,
};
let jose: Jose;
let verifier: JwtVerifier;

interface TokenOptions {
  sub?: string;
  claims?: Record<string, unknown>;
  secret?: string;
  audience?: string;
  issuer?: string;
  expiresAt?: string | number;
}

/** An HS256 token valid for the verifier above unless an option says otherwise. */
function aToken(o: TokenOptions = {}): Promise<string> {
  return new jose.SignJWT(o.claims ?? {})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(o.sub ?? 'alice')
    .setIssuer(o.issuer ?? 'https://issuer.test')
    .setAudience(o.audience ?? 'billing-api')
    .setIssuedAt()
    .setExpirationTime(o.expiresAt ?? '5m')
    .sign(new TextEncoder().encode(o.secret ?? SECRET));
}

beforeAll(async () => {
  jose = await loadJose();
  verifier = (await createJwtVerifier(settings))!;
});

describe('bearer JWT verification', () => {
  it('is not set up when neither a secret nor a JWKS is configured', async () => {
    expect(await createJwtVerifier({ ...settings, hs256Secret: null })).toBeNull();
  });

  it('maps a valid token to the owner named by its subject, until its expiry', async () => {
    const check = await verifier.check(await aToken({ sub: 'alice', expiresAt: '10m' }));
    expect(check).toMatchObject({ kind: 'valid', actor: { kind: 'owner', id: 'alice' } });
    const expiresInMs = check.kind === 'valid' ? check.expiresAtMs - Date.now() : 0;
    expect(expiresInMs).toBeGreaterThan(9 * 60_000);
  });

  it('makes an admin only of a listed subject whose token claims the role', async () => {
    const listed = await verifier.check(await aToken({ sub: 'root-admin', claims: { role: 'admin' } }));
    expect(listed).toMatchObject({ actor: { kind: 'admin', id: 'root-admin' } });
    const unlisted = await verifier.check(await aToken({ sub: 'mallory', claims: { role: 'admin' } }));
    expect(unlisted).toMatchObject({ actor: { kind: 'owner', id: 'mallory' } });
    const unclaimed = await verifier.check(await aToken({ sub: 'root-admin' }));
    expect(unclaimed).toMatchObject({ actor: { kind: 'owner', id: 'root-admin' } });
  });

  it.each([
    ['expired', { expiresAt: Math.floor(Date.now() / 1000) - 60 }, 'ERR_JWT_EXPIRED'],
    [
      'signed with another secret',
      { secret: randomBytes(32).toString('hex') },
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    ],
    ['for another audience', { audience: 'other-api' }, 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['from another issuer', { issuer: 'https://evil.test' }, 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
  ] as const)('refuses a token %s', async (_, options, reason) => {
    expect(await verifier.check(await aToken(options))).toEqual({ kind: 'invalid', reason });
  });

  it('refuses an unsigned token and an algorithm nobody configured', async () => {
    const unsigned = new jose.UnsecuredJWT({ sub: 'alice' }).setAudience('billing-api').encode();
    // An unsigned token ends with an empty signature, so it is not even shaped like a signed one.
    expect(await verifier.check(unsigned)).toEqual({ kind: 'not-jwt' });
    const { privateKey } = await jose.generateKeyPair('ES256');
    const es256 = await new jose.SignJWT({})
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject('a')
      .sign(privateKey);
    expect(await verifier.check(es256)).toEqual({
      kind: 'invalid',
      reason: 'algorithm ES256 is not accepted',
    });
  });

  it('leaves anything not shaped like a JWT to the API key check', async () => {
    expect(await verifier.check('owner-key-alice-0001')).toEqual({ kind: 'not-jwt' });
    expect(await verifier.check('a.b.c')).toEqual({ kind: 'not-jwt' });
    expect(await verifier.check(`${'a'.repeat(9000)}.b.c`)).toEqual({ kind: 'not-jwt' });
  });
});
