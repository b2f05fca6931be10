import { DEAD_LETTER_REPLAYS_LISTED_MAX, type QueryRequest } from '@billing/contracts/messages/queries';
import { z } from 'zod';
import {
  forbidden,
  invalid,
  privileged,
  type QueryContext,
  type QueryFailure,
} from '../queries/query-context';
import {
  DEAD_LETTERS_TABLE,
  DEAD_LETTER_REPLAYS_TABLE,
  replayOfRow,
  summaryOfRow,
  type DeadLetterRow,
  type ReplayRow,
} from './dead-letter-rows';

/**
 * Dead letters for the console, newest first. Only admins (and the platform) see them: their payloads are
 * other people's messages.
 */

/** Keyset cursor over (dead_lettered_at, partition, offset) descending, base64url JSON. */
const CursorPosition = z.tuple([
  z.iso.datetime({ offset: true }),
  z.number().int().nonnegative(),
  z.string().regex(/^\d+$/),
]);

export function encodeDeadLetterCursor(
  r: Pick<DeadLetterRow, 'dead_lettered_at' | 'partition' | 'offset'>,
): string {
  return Buffer.from(
    JSON.stringify([r.dead_lettered_at.toISOString(), r.partition, String(r.offset)]),
  ).toString('base64url');
}

export function decodeDeadLetterCursor(
  cursor: string,
): { at: string; partition: number; offset: string } | null {
  try {
    const parsed = CursorPosition.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return parsed.success ? { at: parsed.data[0], partition: parsed.data[1], offset: parsed.data[2] } : null;
  } catch {
    return null;
  }
}

const notFound = (id: string): QueryFailure => ({
  ok: false,
  code: 'DEAD_LETTER.NOT_FOUND',
  detail: `dead letter ${id} not found`,
});

/** The latest replay of each dead letter: the one asked for last (an answer without a seen request counts by its time). */
const LATEST_REPLAY = `(
  select distinct on (dead_letter_id) *
  from ${DEAD_LETTER_REPLAYS_TABLE}
  order by dead_letter_id, coalesce(requested_at, completed_at) desc, replay_id desc
) as latest`;

function latestOf(row: Record<string, unknown>): ReplayRow | null {
  if (row.replay_id === null || row.replay_id === undefined) return null;
  return {
    replay_id: row.replay_id as string,
    dead_letter_id: row.id as string,
    requested_at: row.requested_at as Date | null,
    requested_by: row.requested_by as string | null,
    outcome: row.outcome as ReplayRow['outcome'],
    completed_at: row.completed_at as Date | null,
    code: row.code as string | null,
    detail: row.detail as string | null,
  };
}

function withLatest(ctx: QueryContext) {
  return ctx
    .trx(`${DEAD_LETTERS_TABLE} as d`)
    .leftJoin(ctx.trx.raw(LATEST_REPLAY), 'latest.dead_letter_id', 'd.id')
    .select(
      'd.*',
      'latest.replay_id',
      'latest.requested_at',
      'latest.requested_by',
      'latest.outcome',
      'latest.completed_at',
      'latest.code',
      'latest.detail',
    );
}

export async function listDeadLetters(
  ctx: QueryContext,
  q: Extract<QueryRequest, { type: 'ListDeadLetters' }>,
) {
  if (!privileged(q.actor)) return forbidden('only an admin may list dead letters');
  const after = q.cursor === null ? null : decodeDeadLetterCursor(q.cursor);
  if (q.cursor !== null && after === null) return invalid('cursor is not one this service wrote');
  const rows: Record<string, unknown>[] = await withLatest(ctx)
    .modify((qb) => {
      if (q.consumerGroup !== null) qb.where('d.consumer_group', q.consumerGroup);
      if (q.errorCode !== null) qb.where('d.error_code', q.errorCode);
      if (q.originalTopic !== null) qb.where('d.original_topic', q.originalTopic);
      if (q.replayState === 'not_replayed') qb.whereNull('latest.replay_id');
      else if (q.replayState === 'requested') qb.whereNotNull('latest.replay_id').whereNull('latest.outcome');
      else if (q.replayState !== null) qb.where('latest.outcome', q.replayState);
      if (after)
        qb.andWhereRaw('(d.dead_lettered_at, d.partition, d.offset) < (?::timestamptz, ?, ?::bigint)', [
          after.at,
          after.partition,
          after.offset,
        ]);
    })
    .orderBy([
      { column: 'd.dead_lettered_at', order: 'desc' },
      { column: 'd.partition', order: 'desc' },
      { column: 'd.offset', order: 'desc' },
    ])
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit) as unknown as DeadLetterRow[];
  const last = page.at(-1);
  return {
    items: page.map((r, i) => summaryOfRow(r, latestOf(rows[i]!))),
    nextCursor: rows.length > q.limit && last !== undefined ? encodeDeadLetterCursor(last) : null,
  };
}

export async function getDeadLetter(ctx: QueryContext, q: Extract<QueryRequest, { type: 'GetDeadLetter' }>) {
  if (!privileged(q.actor)) return forbidden('only an admin may see dead letters');
  const row: Record<string, unknown> | undefined = await withLatest(ctx)
    .where('d.id', q.deadLetterId)
    .first();
  if (row === undefined) return notFound(q.deadLetterId);
  const replays = await ctx
    .trx(DEAD_LETTER_REPLAYS_TABLE)
    .where({ dead_letter_id: q.deadLetterId })
    .orderByRaw('coalesce(requested_at, completed_at) desc, replay_id desc')
    .limit(DEAD_LETTER_REPLAYS_LISTED_MAX)
    .select<ReplayRow[]>('*');
  const d = row as unknown as DeadLetterRow;
  return {
    ...summaryOfRow(d, latestOf(row)),
    value: d.value,
    headers: d.headers,
    replays: replays.map(replayOfRow),
  };
}
