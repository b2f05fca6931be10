import { z } from 'zod';

/**
 * Keyset cursors: the (timestamp, id) of the last item of a page, base64url-encoded. The next page starts
 * strictly after it, so a row inserted meanwhile never shifts the pages: no item is returned twice and
 * none that existed is skipped, however many arrive while a client pages.
 */
const PositionSchema = z.tuple([z.iso.datetime({ offset: true }), z.uuid()]);

export interface KeysetPosition {
  at: string;
  id: string;
}

export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify([position.at, position.id]), 'utf8').toString('base64url');
}

/** The position a cursor names, or null for one this service did not write. */
export function decodeCursor(cursor: string): KeysetPosition | null {
  try {
    const parsed = PositionSchema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return parsed.success ? { at: parsed.data[0], id: parsed.data[1] } : null;
  } catch {
    return null;
  }
}

/** Cuts one extra row off a page fetched with limit + 1; its presence says there is a next page. */
export function pageOf<T>(rows: readonly T[], limit: number, positionOf: (row: T) => KeysetPosition) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(positionOf(last)) : null,
  };
}
