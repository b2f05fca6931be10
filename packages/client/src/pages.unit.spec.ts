import { describe, expect, it } from 'vitest';
import { paginate } from './pages.js';

describe('paginate', () => {
  it('follows nextCursor until the last page, fetching lazily', async () => {
    const asked: (string | undefined)[] = [];
    const pages: Record<string, { items: number[]; nextCursor: string | null }> = {
      first: { items: [1, 2], nextCursor: 'c2' },
      c2: { items: [3], nextCursor: null },
    };
    const items = [];
    for await (const item of paginate(async (cursor: string | undefined) => {
      asked.push(cursor);
      return pages[cursor ?? 'first']!;
    }))
      items.push(item);
    expect(items).toEqual([1, 2, 3]);
    expect(asked).toEqual([undefined, 'c2']);
  });

  it('asks for no further page when the loop stops early', async () => {
    let calls = 0;
    for await (const item of paginate(async () => ({ items: [++calls], nextCursor: 'more' }))) {
      if (item === 1) break;
    }
    expect(calls).toBe(1);
  });
});
