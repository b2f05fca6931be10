import { createMessage } from '@billing/contracts/catalog';
import type { Actor } from '@billing/contracts/envelope';
import { DeadLetterIdSchema, ReplayDeadLetter } from '@billing/contracts/messages/dead-letters';
import type { DeadLetterDetails } from '@billing/contracts/messages/queries';
import { IDEMPOTENCY_NAMESPACE, UuidSchema, uuidv5 } from '@billing/contracts/uuid';
import { Body, Controller, Get, Headers, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CurrentActor } from '../auth/auth.guard';
import { ProblemError } from '../http/problem';
import { parseBody } from '../http/route-support';
import { GatewayMessaging } from '../kafka/messaging';
import { ApiRoute } from '../openapi/api-route';
import * as docs from '../openapi/dead-letters.docs';
import { parseQueryString, unwrap } from '../read/read-query';
import { NoQuery } from '../read/read-queries';
import { idempotencyKeyOf } from '../transactions/movements';
import { DeadLettersQuery, ReplayBodySchema } from './dead-letter-queries';

export interface ReplayAccepted {
  deadLetterId: string;
  replayId: string;
  replayState: DeadLetterDetails['replayState'];
}

/** An id that is not `<partition>:<offset>` names nothing: not found, like any other unknown id. */
function parseDeadLetterId(id: string): string {
  if (!DeadLetterIdSchema.safeParse(id).success)
    throw new ProblemError(404, 'DEAD_LETTER.NOT_FOUND', `dead letter ${id} not found`);
  return id;
}

/**
 * What the consumers could not handle, for operators: listed and shown from the read side, replayed by
 * asking the service whose consumer refused it (ReplayDeadLetter over Kafka; see
 * docs/adr/0009-dead-letter-replay-as-a-message.md). Admins only: the payloads are other people's messages.
 */
@Controller('api/v1/admin/dead-letters')
export class DeadLettersController {
  constructor(private readonly messaging: GatewayMessaging) {}

  @Get()
  @ApiRoute(docs.LIST_DEAD_LETTERS)
  async list(@Query() raw: unknown, @CurrentActor() actor: Actor): Promise<unknown> {
    const q = parseQueryString(DeadLettersQuery, raw);
    return unwrap(
      await this.messaging.query({
        type: 'ListDeadLetters',
        actor,
        consumerGroup: q.consumerGroup,
        errorCode: q.errorCode,
        originalTopic: q.topic,
        replayState: q.state,
        limit: q.limit,
        cursor: q.cursor,
      }),
    );
  }

  @Get(':id')
  @ApiRoute(docs.GET_DEAD_LETTER)
  async get(@Param('id') id: string, @Query() raw: unknown, @CurrentActor() actor: Actor): Promise<unknown> {
    parseQueryString(NoQuery, raw);
    const deadLetterId = parseDeadLetterId(id);
    return unwrap(await this.messaging.query({ type: 'GetDeadLetter', actor, deadLetterId }));
  }

  /**
   * Asks for a replay and answers 202 at once; the outcome shows on the dead letter when the service has
   * answered. The key names the replay, so a retry is answered with the same replay and sends nothing new.
   */
  @Post(':id/replay')
  @ApiRoute(docs.REPLAY_DEAD_LETTER)
  async replay(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers() headers: Record<string, string | undefined>,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReplayAccepted> {
    if (actor.kind === 'owner')
      throw new ProblemError(403, 'AUTH.FORBIDDEN', 'only an admin may replay dead letters');
    const deadLetterId = parseDeadLetterId(id);
    const input = parseBody(ReplayBodySchema, body ?? {});
    const key = idempotencyKeyOf(headers['idempotency-key'], input);
    const replayId = uuidv5(
      `dead-letter-replay:${actor.kind}:${actor.id}:${deadLetterId}:${key}`,
      IDEMPOTENCY_NAMESPACE,
    );
    const d = unwrap(await this.messaging.query({ type: 'GetDeadLetter', actor, deadLetterId }));
    void reply.header('location', `/api/v1/admin/dead-letters/${deadLetterId}`);
    void reply.status(202);
    const earlier = d.replays.find((r) => r.replayId === replayId);
    if (earlier !== undefined) return { deadLetterId, replayId, replayState: earlier.outcome ?? 'requested' };
    if (
      d.replayService === null ||
      d.originalTopic === null ||
      d.originalPartition === null ||
      d.originalOffset === null ||
      d.consumerGroup === null
    )
      throw new ProblemError(
        409,
        'DEAD_LETTER.NOT_REPLAYABLE',
        d.replayRefusal ?? 'this dead letter cannot be replayed',
      );
    if (d.replayState === 'replayed')
      throw new ProblemError(
        409,
        'DEAD_LETTER.ALREADY_REPLAYED',
        `dead letter ${deadLetterId} was replayed at ${d.lastReplay?.completedAt ?? 'an earlier time'}; its handler took it`,
      );
    const command = createMessage(
      ReplayDeadLetter,
      {
        deadLetterId,
        service: d.replayService,
        consumerGroup: d.consumerGroup,
        originalTopic: d.originalTopic,
        originalPartition: d.originalPartition,
        originalOffset: d.originalOffset,
        // An id that is not a UUID is not one the record can be checked against.
        messageId: UuidSchema.safeParse(d.messageId).success ? d.messageId : null,
      },
      { ...this.messaging.meta(actor), messageId: replayId },
    );
    await this.messaging.emit('deadLetterReplays', deadLetterId, command);
    return { deadLetterId, replayId, replayState: 'requested' };
  }
}
