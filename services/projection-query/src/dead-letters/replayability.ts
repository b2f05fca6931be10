import { REPLAYING_SERVICES, type ReplayingService } from '@billing/contracts/messages/dead-letters';
import type { DeadLetter } from '@billing/platform/dead-letters';

export type Replayability = { service: ReplayingService; refusal: null } | { service: null; refusal: string };

/**
 * Who can replay a dead letter, decided from its headers when it is folded. Groups are named
 * `<prefix><service>…` (the ACLs depend on it), so the group says which service's handler refused it.
 * Only services whose consumers dedupe by messageId replay (see REPLAYING_SERVICES); for the others the
 * refusal says what to do instead.
 */
export function replayabilityOf(
  d: Pick<DeadLetter, 'consumerGroup' | 'originalTopic' | 'originalOffset' | 'errorCode'>,
  topicPrefix: string,
): Replayability {
  const refuse = (refusal: string): Replayability => ({ service: null, refusal });
  if (d.originalOffset === null || d.originalTopic === null)
    return refuse(
      `a ${d.errorCode ?? 'relay'} dead letter points at an outbox row, not at a message on a topic; the row is still in its service's outbox`,
    );
  if (d.consumerGroup === null) return refuse('it names no consumer group');
  if (!d.consumerGroup.startsWith(topicPrefix)) return refuse('its consumer group is of another deployment');
  const group = d.consumerGroup.slice(topicPrefix.length);
  const service = REPLAYING_SERVICES.find((s) => group.startsWith(s));
  if (service !== undefined) return { service, refusal: null };
  if (group.startsWith('projection-query'))
    return refuse(
      'the read side skips offsets it has passed, so feeding it the original again would change nothing: once its consumer is fixed, `npm run projections:rebuild` reads the topics again (or `npm run dlq -- replay` puts the message back on its topic)',
    );
  if (group.startsWith('command-gateway'))
    return refuse(
      "a live feed's dead letter: its subscribers have moved on, and the events are in the read models",
    );
  return refuse(`no service replays consumer group ${d.consumerGroup}`);
}
