import type { IncomingMessage, ServerResponse } from 'node:http';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * What a route decides to do with a request. Providers misbehave in three distinct ways that the clients
 * under test must survive, so "answer late" and "never answer" are first-class outcomes next to a normal
 * answer rather than special cases buried in the handlers.
 */
export type Reply =
  | { kind: 'answer'; statusCode: number; body: JsonObject }
  | { kind: 'late'; statusCode: number; body: JsonObject }
  | { kind: 'silent' };

export function answer(statusCode: number, body: JsonObject): Reply {
  return { kind: 'answer', statusCode, body };
}

/**
 * A request the simulator refuses before any provider rule runs. Handlers throw it so that validation
 * failures share one path to a JSON answer instead of each handler formatting its own.
 */
export class RequestError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'RequestError';
  }

  toReply(): Reply {
    return answer(this.statusCode, { code: this.code, detail: this.detail });
  }
}

/** Real provider bodies are tiny; the cap only stops a broken client from filling the test process's memory. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads the whole body and parses it as JSON. An oversized body is still drained rather than cut off,
 * because destroying the stream mid-request would close the socket before the 413 could be written.
 */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  if (size > MAX_BODY_BYTES) {
    throw new RequestError(413, 'PAYLOAD_TOO_LARGE', `the body exceeds ${MAX_BODY_BYTES} bytes`);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RequestError(400, 'INVALID_REQUEST', 'the body is not valid JSON');
  }
}

/**
 * Writes a JSON answer unless the client has already gone. Delayed answers are written from timers, and by
 * then the client may have aborted or close() may have destroyed the socket; writing would then throw.
 */
export function writeJson(res: ServerResponse, statusCode: number, body: JsonObject): void {
  if (res.destroyed || res.writableEnded) return;
  const payload = JSON.stringify(body);
  res.writeHead(statusCode, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}
