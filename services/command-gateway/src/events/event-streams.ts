import type { Actor } from '@billing/contracts/envelope';
import type { Logger } from '@billing/platform/logger';
import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { GatewayConfig } from '../config';
import { ProblemError } from '../http/problem';
import { GatewayMessaging } from '../kafka/messaging';
import type { FeedItem } from '../kafka/live-feed';
import type { FollowedEvent } from '../kafka/outcomes';
import { GATEWAY_CONFIG, GATEWAY_LOGGER } from '../tokens';
import { matches, toPayload, type StreamFilter } from './event-filter';
import { ReplayBuffer } from './replay-buffer';
import { SseStream } from './sse-stream';

export interface StreamRequest {
  filter: StreamFilter;
  viewer: Actor;
  /** The caller's bucket for the concurrent-stream bound. */
  callerKey: string;
  lastEventId: string | null;
  /** When the caller's credential expires (a JWT); the stream ends then at the latest. */
  credentialExpiresAtMs: number | null;
}

interface OpenStream {
  stream: SseStream;
  filter: StreamFilter;
  viewer: Actor;
}

/**
 * The live event streams of this replica. It keeps the recent events of the gateway's live feed in a
 * ring buffer for Last-Event-ID resumes, hands each new event to the streams it matches, bounds how many
 * streams one caller and the whole replica may hold open, and closes them all when the gateway stops.
 */
@Injectable()
export class EventStreams implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly recent: ReplayBuffer<FeedItem>;
  private readonly open = new Set<OpenStream>();
  private readonly perCaller = new Map<string, number>();
  private unsubscribe: () => void = () => {};
  private closing = false;

  constructor(
    private readonly messaging: GatewayMessaging,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
  ) {
    this.recent = new ReplayBuffer<FeedItem>(config.SSE_REPLAY_MAX);
  }

  onModuleInit(): void {
    this.unsubscribe = this.messaging.subscribe((item) => this.publish(item));
  }

  /**
   * Opens a stream on the hijacked reply: replays what the client missed (when its Last-Event-ID is still
   * buffered), then sends live events. Everything from the replay to joining the live set happens in one
   * synchronous step, so no event can fall between them or be sent twice.
   */
  start(reply: FastifyReply, request: StreamRequest): void {
    // The request deadline may have answered 503 while the read side was being asked.
    if (reply.sent) return;
    const { SSE_STREAMS_PER_KEY_MAX, SSE_STREAMS_MAX } = this.config;
    const held = this.perCaller.get(request.callerKey) ?? 0;
    if (held >= SSE_STREAMS_PER_KEY_MAX) {
      throw new ProblemError(
        429,
        'RATE.LIMITED',
        `at most ${SSE_STREAMS_PER_KEY_MAX} open streams per caller`,
      );
    }
    if (this.closing || this.open.size >= SSE_STREAMS_MAX) {
      throw new ProblemError(503, 'SERVICE.UNAVAILABLE', 'this gateway takes no more streams now');
    }
    const missed = request.lastEventId === null ? [] : this.recent.after(request.lastEventId);
    if (reply.raw.socket === null || reply.raw.socket.destroyed) {
      // The client left while it was being authorized: there is nobody to stream to.
      void reply.hijack();
      return;
    }

    const headers = Object.fromEntries(
      Object.entries(reply.getHeaders()).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])),
    );
    void reply.hijack();
    const nowMs = Date.now();
    const endMs = Math.min(nowMs + this.config.SSE_STREAM_MAX_MS, request.credentialExpiresAtMs ?? Infinity);
    const entry: OpenStream = {
      filter: request.filter,
      viewer: request.viewer,
      stream: new SseStream(
        reply.raw,
        headers,
        {
          heartbeatMs: this.config.SSE_HEARTBEAT_MS,
          lifetimeMs: Math.max(0, endMs - nowMs),
          clientBufferMaxBytes: this.config.SSE_CLIENT_BUFFER_MAX_BYTES,
        },
        () => this.forget(entry, request.callerKey),
      ),
    };
    this.open.add(entry);
    this.perCaller.set(request.callerKey, held + 1);

    if (missed === null) {
      // The client's last event is older than this replica remembers (or was seen by another replica).
      entry.stream.send(null, 'replay-gap', {
        detail: 'events after Last-Event-ID are no longer buffered; read them from the GET history routes',
      });
    } else {
      for (const item of missed) {
        const event = item.event();
        if (event) this.deliver(entry, event);
      }
    }
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  /** Runs before the HTTP server closes, which would otherwise wait for these open answers forever. */
  beforeApplicationShutdown(): void {
    this.closing = true;
    this.unsubscribe();
    for (const entry of [...this.open]) entry.stream.close('shutdown');
  }

  /**
   * Every item is kept for resuming streams, by the message id its header carries; it is parsed only
   * when a stream is open to receive it (or, later, when a resuming stream replays it).
   */
  private publish(item: FeedItem): void {
    if (!this.recent.push(item) || this.open.size === 0) return;
    const event = item.event();
    if (!event) return;
    for (const entry of this.open) this.deliver(entry, event);
  }

  private deliver(entry: OpenStream, event: FollowedEvent): void {
    if (entry.stream.isClosed || !matches(event, entry.filter)) return;
    entry.stream.send(event.messageId, event.type, toPayload(event, entry.filter, entry.viewer.kind));
  }

  private forget(entry: OpenStream, callerKey: string): void {
    if (!this.open.delete(entry)) return;
    const held = (this.perCaller.get(callerKey) ?? 1) - 1;
    if (held <= 0) this.perCaller.delete(callerKey);
    else this.perCaller.set(callerKey, held);
    this.logger.debug({ open: this.open.size }, 'event stream closed');
  }
}
