import { createGatewayClient, type GatewayClient } from '@billing/client/gateway-client';
import type { RunningSystem } from './system';

/** A gateway answer as the e2e tests read it: the status and the parsed body (problem or resource). */
export interface Answer {
  status: number;
  body: Record<string, unknown> & {
    code?: string;
    status?: string;
    items?: unknown[];
    reason?: { code: string; detail: string };
  };
}

/** The typed client of the system's gateway, calling with one API key. */
export function typedClient(system: RunningSystem, apiKey: string): GatewayClient {
  return createGatewayClient({ baseUrl: system.gatewayUrl, credential: { apiKey } });
}

/**
 * A client of the system's gateway that calls as one of several API keys, through the published client's
 * untyped `request` (the tests probe refusals and odd inputs that the typed calls would not let through).
 * A call with a body gets a fresh idempotency key unless the headers bring one.
 */
export function gatewayClient<K extends string>(
  system: () => RunningSystem,
  keys: Record<K, string>,
  label: string,
) {
  let seq = 0;
  const clients = new Map<string, GatewayClient>();
  const clientOf = (who: K) => {
    const key = `${system().gatewayUrl} ${who}`;
    let client = clients.get(key);
    if (!client) {
      client = createGatewayClient({
        baseUrl: system().gatewayUrl,
        credential: { apiKey: keys[who] },
        newIdempotencyKey: () => `${label}-${Date.now()}-${++seq}`,
      });
      clients.set(key, client);
    }
    return client;
  };
  return async function call(
    who: K,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const { status, body: parsed } = await clientOf(who).request(method, path, body, headers);
    return { status, body: parsed } as Answer;
  };
}
