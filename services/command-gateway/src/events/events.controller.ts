import type { Actor } from '@billing/contracts/envelope';
import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CurrentActor, rateLimitKey, type AuthenticatedRequest } from '../auth/auth.guard';
import { GatewayMessaging } from '../kafka/messaging';
import { ApiRoute } from '../openapi/api-route';
import * as docs from '../openapi/other.docs';
import { parseQueryString, unwrap } from '../read/read-query';
import { EventStreamQuery } from '../read/read-queries';
import { EventStreams } from './event-streams';

/** Ids this gateway writes are UUIDs; a longer Last-Event-ID is cut, finds nothing, and gets a replay gap. */
const LAST_EVENT_ID_LENGTH_MAX = 128;

/**
 * Server-Sent Events of one account or transaction. The read side decides who may follow what, exactly
 * as for the GET routes: an account or transaction it does not show the caller is not found. The answer
 * is written by EventStreams on the raw response; with @Res() Nest leaves sending to this handler.
 */
@Controller('api/v1/events')
export class EventsController {
  constructor(
    private readonly messaging: GatewayMessaging,
    private readonly streams: EventStreams,
  ) {}

  @Get('stream')
  @ApiRoute(docs.STREAM_EVENTS)
  async stream(
    @Query() raw: unknown,
    @CurrentActor() actor: Actor,
    @Req() request: AuthenticatedRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const filter = parseQueryString(EventStreamQuery, raw);
    if (filter.accountId !== null) {
      unwrap(await this.messaging.query({ type: 'GetAccount', actor, accountId: filter.accountId }));
    }
    if (filter.transactionId !== null) {
      const known = await this.messaging.query({
        type: 'GetTransaction',
        actor,
        transactionId: filter.transactionId,
      });
      // A transaction just requested may not be on the read side yet. Only an admin may follow one the
      // read side cannot vouch for; an owner would otherwise follow any transaction id it can guess.
      const awaited = !known.ok && known.code === 'TRANSACTION.NOT_FOUND' && actor.kind === 'admin';
      if (!awaited) unwrap(known);
    }
    const lastEventId = request.headers['last-event-id'];
    this.streams.start(reply, {
      filter,
      viewer: actor,
      callerKey: rateLimitKey(actor, request.ip),
      lastEventId:
        typeof lastEventId === 'string' && lastEventId.trim() !== ''
          ? lastEventId.trim().slice(0, LAST_EVENT_ID_LENGTH_MAX)
          : null,
      credentialExpiresAtMs: request.credentialExpiresAtMs ?? null,
    });
  }
}
