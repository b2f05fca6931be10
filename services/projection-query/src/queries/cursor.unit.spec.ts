import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, pageOf } from './cursor';

const ID = '0192f0a0-0000-7000-8000-000000000001';

describe('keyset cursors', () => {
  it('round-trips a position', () => {
    const position = { at: '2026-01-01T00:00:00.123Z', id: ID };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });

  it.each([
    '',
    'not-base64-json',
    Buffer.from('["x","y"]').toString('base64url'),
    Buffer.from('{"a":1}').toString('base64url'),
  ])('refuses a cursor it did not write (%s)', (cursor) => {
    expect(decodeCursor(cursor)).toBeNull();
  });

  it('cuts the extra row and points the next cursor at the last item kept', () => {
    const rows = [1, 2, 3].map((n) => ({ at: `2026-01-01T00:00:0${n}.000Z`, id: ID }));
    const page = pageOf(rows, 2, (r) => r);
    expect(page.items).toHaveLength(2);
    expect(decodeCursor(page.nextCursor!)).toEqual(rows[1]);
    expect(pageOf(rows, 3, (r) => r).nextCursor).toBeNull();
  });
});
