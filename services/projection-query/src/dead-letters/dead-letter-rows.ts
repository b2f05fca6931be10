import type { DeadLetterReplay, DeadLetterSummary } from '@billing/contracts/messages/queries';
import { ERROR_CODES, type ErrorCode } from '@billing/contracts/errors';
import type { DeadLetter } from '@billing/platform/dead-letters';
import type { Replayability } from './replayability';

/**
 * The dead letters the read side has seen, and the replays asked for and answered. They live outside the
 * read-model schema: a rebuild of the read models reads the event topics, not the dead-letter topic, and
 * must not lose them.
 */
export const DEAD_LETTERS_TABLE = 'dead_letters';
export const DEAD_LETTER_REPLAYS_TABLE = 'dead_letter_replays';

export interface DeadLetterRow {
  id: string;
  partition: number;
  offset: string;
  dead_lettered_at: Date;
  original_topic: string | null;
  original_partition: number | null;
  original_offset: string | null;
  consumer_group: string | null;
  message_type: string | null;
  message_id: string | null;
  error_code: string | null;
  error_detail: string | null;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  replay_service: string | null;
  replay_refusal: string | null;
}

export interface ReplayRow {
  replay_id: string;
  dead_letter_id: string;
  requested_at: Date | null;
  requested_by: string | null;
  outcome: 'replayed' | 'failed' | null;
  completed_at: Date | null;
  code: string | null;
  detail: string | null;
}

/** PostgreSQL text and jsonb refuse NUL; a dead letter may hold anything, so it is shown as U+FFFD. */
function storable(s: string): string;
function storable(s: string | null): string | null;
function storable(s: string | null): string | null {
  return s === null ? null : s.replaceAll('\u0000', '\ufffd');
}

export function rowOf(d: DeadLetter, replay: Replayability): DeadLetterRow {
  return {
    id: d.id,
    partition: d.partition,
    offset: d.offset,
    dead_lettered_at: new Date(d.at),
    original_topic: storable(d.originalTopic),
    original_partition: d.originalPartition,
    original_offset: storable(d.originalOffset),
    consumer_group: storable(d.consumerGroup),
    message_type: storable(d.messageType),
    message_id: storable(d.messageId),
    error_code: storable(d.errorCode),
    error_detail: storable(d.errorDetail),
    key: storable(d.key),
    value: storable(d.value),
    headers: Object.fromEntries(Object.entries(d.headers).map(([k, v]) => [storable(k), storable(v)])),
    replay_service: replay.service,
    replay_refusal: replay.refusal,
  };
}

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

export function replayOfRow(r: ReplayRow): DeadLetterReplay {
  return {
    replayId: r.replay_id,
    requestedAt: r.requested_at?.toISOString() ?? null,
    requestedBy: r.requested_by,
    outcome: r.outcome,
    completedAt: r.completed_at?.toISOString() ?? null,
    code: r.code !== null && KNOWN_CODES.has(r.code) ? (r.code as ErrorCode) : null,
    detail: r.detail,
  };
}

/** The state the latest replay leaves a dead letter in. */
export function replayStateOf(last: DeadLetterReplay | null): DeadLetterSummary['replayState'] {
  if (last === null) return 'not_replayed';
  return last.outcome ?? 'requested';
}

export function summaryOfRow(r: DeadLetterRow, last: ReplayRow | null): DeadLetterSummary {
  const lastReplay = last === null ? null : replayOfRow(last);
  return {
    id: r.id,
    deadLetteredAt: r.dead_lettered_at.toISOString(),
    originalTopic: r.original_topic,
    originalPartition: r.original_partition,
    originalOffset: r.original_offset === null ? null : String(r.original_offset),
    consumerGroup: r.consumer_group,
    messageType: r.message_type,
    messageId: r.message_id,
    errorCode: r.error_code,
    errorDetail: r.error_detail,
    key: r.key,
    replayState: replayStateOf(lastReplay),
    replayService: (r.replay_service as DeadLetterSummary['replayService']) ?? null,
    replayRefusal: r.replay_refusal,
    lastReplay,
  };
}
