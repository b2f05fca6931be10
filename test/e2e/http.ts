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

/**
 * A client of the system's gateway that calls as one of several API keys. A call with a body gets a
 * fresh idempotency key unless the headers bring one.
 */
export function gatewayClient<K extends string>(
  system: () => RunningSystem,
  keys: Record<K, string>,
  label: string,
) {
  let seq = 0;
  return async function call(
    who: K,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const res = await fetch(`${system().gatewayUrl}${path}`, {
      method,
      headers: {
        'x-api-key': keys[who],
        ...(body === undefined
          ? {}
          : { 'content-type': 'application/json', 'idempotency-key': `${label}-${Date.now()}-${++seq}` }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {} } as Answer;
  };
}
