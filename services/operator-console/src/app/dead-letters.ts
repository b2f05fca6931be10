import type { Schemas } from '@billing/client/gateway-client';

/** Pure helpers of the dead-letter screens, unit-tested. */

export type DeadLetterSummary = Schemas['DeadLetterDetails'] | Schemas['DeadLetterPage']['items'][number];

export const REPLAY_STATES = ['not_replayed', 'requested', 'replayed', 'failed'] as const;
export type ReplayState = (typeof REPLAY_STATES)[number];

export function isReplayState(s: string): s is ReplayState {
  return (REPLAY_STATES as readonly string[]).includes(s);
}

export const STATE_LABELS: Record<ReplayState, string> = {
  not_replayed: 'not replayed',
  requested: 'replay requested',
  replayed: 'replayed',
  failed: 'replay failed',
};

/** A payload as an operator reads it: indented when it is JSON, the raw text when it is not. */
export function prettyPayload(value: string | null): { text: string; json: boolean } {
  if (value === null) return { text: '(no value)', json: false };
  try {
    return { text: JSON.stringify(JSON.parse(value), null, 2), json: true };
  } catch {
    return { text: value, json: false };
  }
}

/** Whether the Replay button is offered, and if not, why not (shown instead of it). */
export function replayOffer(
  d: Pick<DeadLetterSummary, 'replayService' | 'replayRefusal' | 'replayState'>,
): { offered: true } | { offered: false; why: string } {
  if (d.replayService === null)
    return { offered: false, why: d.replayRefusal ?? 'No service can replay this dead letter.' };
  if (d.replayState === 'replayed')
    return { offered: false, why: 'Replayed: the handler took it. A replay would change nothing.' };
  return { offered: true };
}

/** Where a dead letter came from, in one line: topic/partition@offset. */
export function originOf(
  d: Pick<DeadLetterSummary, 'originalTopic' | 'originalPartition' | 'originalOffset'>,
): string {
  if (d.originalTopic === null) return 'unknown';
  return `${d.originalTopic}/${d.originalPartition ?? '?'}@${d.originalOffset ?? '?'}`;
}
