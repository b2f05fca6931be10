import type { ServerResponse } from 'node:http';

export interface SseStreamLimits {
  heartbeatMs: number;
  /** How long the stream may stay open, from now. */
  lifetimeMs: number;
  /** Unsent bytes allowed to pile up for a slow client before the stream is closed. */
  clientBufferMaxBytes: number;
}

/** SSE lines must not contain line breaks; ids and types are UUIDs and message names, JSON has none. */
function field(name: string, value: string): string {
  return `${name}: ${value.replace(/[\r\n]/g, ' ')}\n`;
}

/**
 * One open text/event-stream answer, written straight to the Node response (the Fastify reply was
 * hijacked). It sends a comment line as heartbeat so that proxies and the client see the connection
 * alive, ends itself after its lifetime, and gives up on a client too slow to take what it is sent:
 * that client reconnects with Last-Event-ID rather than making this process buffer without bound.
 */
export class SseStream {
  private readonly heartbeat: NodeJS.Timeout;
  private readonly lifetime: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly raw: ServerResponse,
    headers: Record<string, string>,
    private readonly limits: SseStreamLimits,
    private readonly onClosed: () => void,
  ) {
    raw.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // Buffering proxies (nginx) would hold events back until their buffer fills.
      'x-accel-buffering': 'no',
    });
    // The first bytes flush the headers, so the client knows at once that the stream is open.
    raw.write(': stream open\n\n');
    this.heartbeat = setInterval(() => this.write(': heartbeat\n\n'), limits.heartbeatMs);
    this.lifetime = setTimeout(() => this.close('lifetime'), limits.lifetimeMs);
    raw.once('close', () => this.release());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends one event; without an id the client's Last-Event-ID stays what it was. */
  send(id: string | null, type: string, data: unknown): void {
    const idLine = id === null ? '' : field('id', id);
    this.write(`${idLine}${field('event', type)}${field('data', JSON.stringify(data))}\n`);
  }

  /** Ends the stream with a last comment saying why, so a person reading it with curl learns too. */
  close(reason: string): void {
    if (this.closed) return;
    this.raw.end(`: closing (${reason})\n\n`);
    this.release();
  }

  private write(chunk: string): void {
    if (this.closed) return;
    if (this.raw.writableLength > this.limits.clientBufferMaxBytes) {
      this.raw.destroy();
      this.release();
      return;
    }
    this.raw.write(chunk);
  }

  private release(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.lifetime);
    this.onClosed();
  }
}
