import { z } from 'zod';
import { defineMessage, type MessageOf } from '../envelope';
import { ERROR_CODES } from '../errors';
import { UuidSchema } from '../uuid';

/**
 * Replaying a dead letter as a message. The gateway asks (ReplayDeadLetter on billing.dead-letter.replays);
 * the service whose consumer group dead-lettered the original reads it again from its original topic, at
 * its original offset, and feeds it through the same handler it failed in; its answer
 * (DeadLetterReplayed on billing.dead-letter.replay-outcomes) is folded into the read model the console
 * shows. The request names where the original sits, never its content: a service only ever applies a
 * record that an authorised producer wrote to a topic it consumes, and its inbox makes a second replay of
 * an applied message a no-op.
 */

/** A dead letter is named by where it sits on the dead-letter topic: `<partition>:<offset>`. */
export const DeadLetterIdSchema = z
  .string()
  .regex(/^\d{1,5}:\d{1,19}$/, 'a dead letter id is <partition>:<offset>, e.g. 0:12');

/**
 * The services that replay their own dead letters. Their consumers dedupe by messageId (the inbox). The
 * read side dedupes by position instead, so a replayed old offset would be skipped: its dead letters are
 * applied by a rebuild (`npm run projections:rebuild`); the gateway's live feeds are not worth replaying.
 */
export const REPLAYING_SERVICES = ['account-ledger', 'saga-orchestrator'] as const;
export const ReplayingServiceSchema = z.enum(REPLAYING_SERVICES);
export type ReplayingService = z.infer<typeof ReplayingServiceSchema>;

const OffsetSchema = z.string().regex(/^\d{1,19}$/, 'an offset is a non-negative integer');
/** Kafka's limit on topic and group names. */
const KafkaNameSchema = z.string().min(1).max(249);

export const ReplayDeadLetter = defineMessage(
  'ReplayDeadLetter',
  1,
  z.strictObject({
    deadLetterId: DeadLetterIdSchema,
    /** The service that answers; every other one ignores the request. */
    service: ReplayingServiceSchema,
    /** The consumer group (prefixed, as the dead letter's dlq-consumer-group header says) whose handler it failed in. */
    consumerGroup: KafkaNameSchema,
    originalTopic: KafkaNameSchema,
    originalPartition: z.number().int().nonnegative(),
    originalOffset: OffsetSchema,
    /** The original's messageId when the dead letter told it: a record at that offset with another id is refused. */
    messageId: UuidSchema.nullable(),
  }),
);
export type ReplayDeadLetterMessage = MessageOf<typeof ReplayDeadLetter>;

export const ReplayOutcomeSchema = z.enum(['replayed', 'failed']);
export type ReplayOutcome = z.infer<typeof ReplayOutcomeSchema>;

export const DeadLetterReplayed = defineMessage(
  'DeadLetterReplayed',
  1,
  z.strictObject({
    deadLetterId: DeadLetterIdSchema,
    /** The messageId of the ReplayDeadLetter this answers. */
    replayId: UuidSchema,
    service: ReplayingServiceSchema,
    consumerGroup: KafkaNameSchema,
    /**
     * replayed: the handler took the original without error (applying it, or recognising it as applied
     * before); failed: it was refused again, for `code` and `detail`.
     */
    outcome: ReplayOutcomeSchema,
    code: z.enum(ERROR_CODES).nullable(),
    detail: z.string().max(1000).nullable(),
  }),
);
export type DeadLetterReplayedMessage = MessageOf<typeof DeadLetterReplayed>;
