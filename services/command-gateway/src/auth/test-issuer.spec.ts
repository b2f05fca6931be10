import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadJose, type Jose } from './jose';

/**
 * A JWT issuer for tests: an HS256 secret, and ES256/RS256 key pairs whose public halves it serves as a
 * JWKS over HTTP on 127.0.0.1. A `.spec.ts` file, so the build leaves it out of dist and no vitest
 * project runs it on its own.
 */
type SigningKey = Awaited<ReturnType<Jose['generateKeyPair']>>['privateKey'];

export interface TokenOptions {
  sub?: string;
  role?: string;
  audience?: string;
  expiresAt?: string | number;
  /** Which key signs: the shared secret (default), a JWKS key, or a key pair the JWKS does not hold. */
  signer?: 'hs256' | 'es256' | 'rs256' | 'stranger' | 'wrong-secret';
}

export class TestIssuer {
  readonly issuer = 'https://issuer.test';
  readonly audience = 'billing-api';
  readonly hs256Secret = randomBytes(32).toString('hex');

  private constructor(
    private readonly jose: Jose,
    private readonly server: Server,
    private readonly keys: Record<'es256' | 'rs256' | 'stranger', SigningKey>,
  ) {}

  static async start(): Promise<TestIssuer> {
    const jose = await loadJose();
    const [es, rs, stranger] = await Promise.all([
      jose.generateKeyPair('ES256'),
      jose.generateKeyPair('RS256'),
      jose.generateKeyPair('ES256'),
    ]);
    const jwks = {
      keys: [
        { ...(await jose.exportJWK(es.publicKey)), kid: 'es-1', alg: 'ES256', use: 'sig' },
        { ...(await jose.exportJWK(rs.publicKey)), kid: 'rs-1', alg: 'RS256', use: 'sig' },
      ],
    };
    const server = createServer((_, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks)),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const keys = { es256: es.privateKey, rs256: rs.privateKey, stranger: stranger.privateKey };
    return new TestIssuer(jose, server, keys);
  }

  get jwksUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }

  /** A token this issuer's gateway accepts, unless an option says otherwise. */
  token(o: TokenOptions = {}): Promise<string> {
    const signer = o.signer ?? 'hs256';
    const hs256 = signer === 'hs256' || signer === 'wrong-secret';
    const header = hs256
      ? { alg: 'HS256' }
      : { alg: signer === 'rs256' ? 'RS256' : 'ES256', kid: signer === 'rs256' ? 'rs-1' : 'es-1' };
    const secret = hs256
      ? new TextEncoder().encode(signer === 'hs256' ? this.hs256Secret : randomBytes(32).toString('hex'))
      : this.keys[signer];
    return new this.jose.SignJWT(o.role ? { role: o.role } : {})
      .setProtectedHeader(header)
      .setSubject(o.sub ?? 'jwt-alice')
      .setIssuer(this.issuer)
      .setAudience(o.audience ?? this.audience)
      .setExpirationTime(o.expiresAt ?? '5m')
      .sign(secret);
  }

  close(): void {
    this.server.closeAllConnections();
    this.server.close();
  }
}
