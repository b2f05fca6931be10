import http from 'node:http';

/**
 * A raw HTTP/1.1 client for the fuzzer. fetch would normalise the path (dot segments, percent-encoding),
 * refuse some header bytes and always send a well-formed body; the fuzzer needs to send exactly what it
 * generated, so it talks to node:http directly, over a keep-alive agent bounded by the concurrency.
 */

export interface FuzzRequest {
  method: string;
  /** The raw request target: path and query string, sent as they are. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** What the generator meant this request to exercise, e.g. `valid`, `amount:negative`. */
  kind: string;
  /** Who sends it: `admin`, an owner's id, `anonymous` or `bad-key`. */
  who: string;
}

export interface FuzzResponse {
  status: number;
  contentType: string;
  headers: http.IncomingHttpHeaders;
  text: string;
  durationMs: number;
}

/** The most of a response body the fuzzer reads; answers are small, a bigger one is itself suspicious. */
const RESPONSE_BYTES_MAX = 1024 * 1024;
/** Longer than the longest `Prefer: wait` (30 s) plus the gateway's own budget. */
const REQUEST_TIMEOUT_MS = 45_000;

export class HttpClient {
  private readonly agent: http.Agent;

  constructor(
    private readonly baseUrl: URL,
    concurrency: number,
  ) {
    // A case sends up to four requests at once, so each worker may hold that many sockets.
    this.agent = new http.Agent({
      keepAlive: true,
      maxSockets: concurrency * 4,
      maxFreeSockets: concurrency * 4,
    });
  }

  send(request: FuzzRequest): Promise<FuzzResponse> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent: this.agent,
          host: this.baseUrl.hostname,
          port: this.baseUrl.port || 80,
          method: request.method,
          path: request.path,
          headers: {
            ...request.headers,
            ...(request.body !== undefined && !('content-length' in request.headers)
              ? { 'content-length': String(request.body.length) }
              : {}),
          },
          timeout: REQUEST_TIMEOUT_MS,
        },
        (res) => {
          const contentType = String(res.headers['content-type'] ?? '');
          const chunks: Buffer[] = [];
          let size = 0;
          // An event stream never ends by itself: its status and headers are the answer.
          if (contentType.startsWith('text/event-stream')) {
            res.destroy();
            resolve(this.response(res, contentType, '', started));
            return;
          }
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size <= RESPONSE_BYTES_MAX) chunks.push(chunk);
          });
          res.on('end', () =>
            resolve(this.response(res, contentType, Buffer.concat(chunks).toString('utf8'), started)),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(request.body);
    });
  }

  private response(
    res: http.IncomingMessage,
    contentType: string,
    text: string,
    started: number,
  ): FuzzResponse {
    return {
      status: res.statusCode ?? 0,
      contentType,
      headers: res.headers,
      text,
      durationMs: performance.now() - started,
    };
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The request as a curl command line, so that a violation can be replayed by hand. */
export function describeRequest(baseUrl: URL, request: FuzzRequest): string {
  const headers = Object.entries(request.headers)
    .map(([k, v]) => ` -H ${shellQuote(`${k}: ${v}`)}`)
    .join('');
  let body = '';
  if (request.body !== undefined) {
    const text = request.body.toString('utf8');
    const printable = Buffer.from(text, 'utf8').equals(request.body) && request.body.length <= 2048;
    body = printable
      ? ` --data-binary ${shellQuote(text)}`
      : ` --data-binary @<(printf %s ${shellQuote(request.body.subarray(0, 2048).toString('base64'))} | base64 -d)` +
        (request.body.length > 2048 ? ` # body of ${request.body.length} bytes, first 2048 shown` : '');
  }
  return `curl -sS -X ${request.method}${headers}${body} ${shellQuote(`${baseUrl.origin}${request.path}`)}`;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
