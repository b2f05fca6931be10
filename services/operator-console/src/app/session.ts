import { createGatewayClient, type Credential, type GatewayClient } from '@billing/client/gateway-client';

/**
 * The signed-in credential lives in sessionStorage only: it goes when the tab closes and is never written
 * to localStorage or a cookie. Who the caller is comes from the gateway (GET /api/v1/me), never from
 * the credential's text.
 */

const STORAGE_KEY = 'operator-console.credential';

export interface Session {
  credential: Credential;
  client: GatewayClient;
  actor: { kind: 'admin' | 'owner' | 'system'; id: string };
}

/** An API key or a JWT (three dot-separated base64url parts) as the client sends it. */
export function credentialOf(secret: string): Credential {
  const text = secret.trim();
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(text) ? { bearer: text } : { apiKey: text };
}

export function clientFor(credential: Credential): GatewayClient {
  return createGatewayClient({ baseUrl: window.location.origin, credential });
}

export function storedCredential(): Credential | null {
  const raw = sessionStorage.getItem(STORAGE_KEY);
  if (raw === null) return null;
  try {
    const parsed = JSON.parse(raw) as Credential;
    return 'apiKey' in parsed || 'bearer' in parsed ? parsed : null;
  } catch {
    return null;
  }
}

export function storeCredential(credential: Credential | null): void {
  if (credential === null) sessionStorage.removeItem(STORAGE_KEY);
  else sessionStorage.setItem(STORAGE_KEY, JSON.stringify(credential));
}

export async function signIn(credential: Credential): Promise<Session> {
  const client = clientFor(credential);
  const actor = await client.me();
  return { credential, client, actor };
}
