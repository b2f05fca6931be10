import http from 'node:http';

/** What a call answered: the status and the parsed JSON body (an object), success or problem alike. */
export interface HttpAnswer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * The load generator's HTTP client: `node:http` over one keep-alive agent, JSON in and out.
 *
 * The bench shares the machine with the system it measures, so what its own calls cost is taken from the
 * services. Measured in the uniform scenario, the typed client over the global `fetch` spent 1.7 ms of
 * CPU per transfer in the bench process, as much as a service: a `Request`, a `Response`, their
 * header maps and web streams for every call. This keeps none of that; the routes and bodies are still
 * typed by the caller (bench.ts) from the gateway's generated document.
 */
export class BenchHttp {
  private readonly agent: http.Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(
    base: string,
    private readonly headers: Readonly<Record<string, string>>,
  ) {
    const url = new URL(base);
    if (url.protocol !== 'http:') throw new Error(`the bench speaks plain http to this machine, not ${base}`);
    this.host = url.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(url.port || 80);
    // One socket per concurrent call, kept open between calls as the clients of a real gateway do.
    this.agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, scheduling: 'lifo' });
  }

  /** Sends one request; resolves with any status, rejects on a network failure or a body that is no JSON object. */
  request(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    headers: Readonly<Record<string, string>> = {},
  ): Promise<HttpAnswer> {
    const payload = body === undefined ? null : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent: this.agent,
          host: this.host,
          port: this.port,
          method,
          path,
          headers: {
            ...this.headers,
            ...headers,
            accept: 'application/json',
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            let parsed: unknown;
            try {
              parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch {
              parsed = null;
            }
            if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
              reject(new SyntaxError(`the gateway answered ${status} without a JSON object body`));
              return;
            }
            resolve({ status, body: parsed as Record<string, unknown> });
          });
        },
      );
      req.on('error', reject);
      req.end(payload ?? undefined);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
