import type { QueryRequest } from '@billing/contracts/messages/queries';
import { topicName } from '@billing/contracts/topics';
import type { Logger } from '@billing/platform/logger';
import { adminSecurity } from '@billing/testing/env';
import { waitFor } from '@billing/testing/wait';
import { ServerKafka } from '@nestjs/microservices';
import { logLevel, Partitioners } from 'kafkajs';
import pino from 'pino';

/**
 * Test support for the gateway's integration tests: a fake read side and a Server-Sent Events client.
 * It lives in a `.spec.ts` file so the build leaves it out of dist; no vitest project runs it, since they
 * match `.unit.spec.ts` and `.int.spec.ts` only.
 */

/** Plays projection-query: answers every query on the topic with `answer`, as the read side would. */
export async function startFakeReadSide(
  brokers: string[],
  prefix: string,
  answer: (q: QueryRequest) => unknown,
): Promise<ServerKafka> {
  const readSide = new ServerKafka({
    // A test double, not the service under test: it runs as the super user.
    client: { clientId: 'fake-read-side', brokers, ...adminSecurity(), logLevel: logLevel.NOTHING },
    consumer: {
      groupId: `${prefix}fake-read-side`,
      sessionTimeout: 6000,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 50,
    },
    producer: { createPartitioner: Partitioners.DefaultPartitioner },
    subscribe: { fromBeginning: false },
  });
  readSide.addHandler(topicName('queries', prefix), async (q: QueryRequest) => answer(q), false);
  await new Promise<void>((resolve, reject) =>
    readSide.listen((err?: unknown) => (err ? reject(err) : resolve())),
  );
  return readSide;
}

/**
 * Sends everything `logger` writes from now on to memory and returns a reader of it. The platform's
 * createLogger takes no destination, so the logger's stream is swapped through pino's public symbols;
 * child loggers made later inherit it.
 */
export function captureLogs(logger: Logger): () => string {
  const chunks: string[] = [];
  const memory = { write: (chunk: string) => void chunks.push(chunk) };
  (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] = memory;
  return () => chunks.join('');
}

export interface SseEvent {
  id: string | null;
  event: string;
  data: unknown;
}

/** Reads a text/event-stream answer as it arrives, keeping events and comment lines apart. */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  ended = false;
  private constructor(
    readonly response: Response,
    private readonly abort: AbortController,
  ) {}

  static async open(url: string, headers: Record<string, string>): Promise<SseClient> {
    const client = await SseClient.request(url, headers);
    if (client.response.status !== 200) throw new Error(`stream refused with ${client.response.status}`);
    return client;
  }

  /** Opens without insisting on 200, for tests of refusals. */
  static async request(url: string, headers: Record<string, string>): Promise<SseClient> {
    const abort = new AbortController();
    const response = await fetch(url, { headers, signal: abort.signal });
    const client = new SseClient(response, abort);
    if (response.status === 200) void client.read();
    return client;
  }

  waitForEvent(description: string, match: (e: SseEvent) => boolean, timeoutMs = 20_000): Promise<SseEvent> {
    return waitFor(description, () => this.events.find(match), { timeoutMs });
  }

  close(): void {
    this.abort.abort();
  }

  private async read(): Promise<void> {
    const reader = this.response.body!.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        let end = buffered.indexOf('\n\n');
        while (end !== -1) {
          this.parse(buffered.slice(0, end));
          buffered = buffered.slice(end + 2);
          end = buffered.indexOf('\n\n');
        }
      }
    } catch {
      // Closing the client aborts the read; the stream has ended either way.
    }
    this.ended = true;
  }

  private parse(frame: string): void {
    let id: string | null = null;
    let event = 'message';
    const data: string[] = [];
    for (const line of frame.split('\n')) {
      if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
      else if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length > 0) this.events.push({ id, event, data: JSON.parse(data.join('\n')) as unknown });
  }
}
