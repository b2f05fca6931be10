import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sequence, type Candidate, type Sequenced } from './stream-order';

type Item = Sequenced & { name: string };
const item = (version: number, slot: 0 | 1 = 0): Item => ({ version, slot, name: `${version}.${slot}` });
const fresh = (...items: Item[]): Candidate<Item>[] => items.map((i) => ({ item: i, parked: false }));
const names = (cs: Candidate<Item>[]) => cs.map((c) => c.item.name);

describe('sequence: an account stream is applied as a gapless prefix', () => {
  it('applies the next version at once', () => {
    const result = sequence(1, fresh(item(2)));
    expect(names(result.apply)).toEqual(['2.0']);
    expect(result.head).toBe(2);
  });

  it('parks a version that comes after a gap instead of applying it early', () => {
    const result = sequence(1, fresh(item(3)));
    expect(result.apply).toEqual([]);
    expect(names(result.park)).toEqual(['3.0']);
    expect(result.head).toBe(1);
  });

  it('applies a parked version once the gap closes, in version order', () => {
    const result = sequence(1, [{ item: item(3), parked: true }, ...fresh(item(2))]);
    expect(names(result.apply)).toEqual(['2.0', '3.0']);
    expect(result.apply[1]!.parked).toBe(true);
    expect(result.head).toBe(3);
  });

  it('drops a redelivered version at or below the head, and a second copy in the same batch', () => {
    const result = sequence(2, fresh(item(2), item(3), item(3)));
    expect(names(result.apply)).toEqual(['3.0']);
    expect(names(result.drop)).toEqual(['2.0', '3.0']);
  });

  it('keeps the parked copy and drops a fresh duplicate of a parked item', () => {
    const result = sequence(1, [...fresh(item(4)), { item: item(4), parked: true }]);
    expect(result.park).toEqual([{ item: item(4), parked: true }]);
    expect(result.drop).toEqual(fresh(item(4)));
  });

  it('applies a capture (slot 1) only once the posting of its version is applied', () => {
    expect(names(sequence(2, fresh(item(3, 1))).park)).toEqual(['3.1']);
    expect(names(sequence(2, fresh(item(3, 1), item(3))).apply)).toEqual(['3.0', '3.1']);
    expect(names(sequence(3, fresh(item(3, 1))).apply)).toEqual(['3.1']);
  });

  it('applies every version exactly once and in order, whatever order and batches they arrive in', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }).chain((n) =>
          fc.tuple(
            fc.shuffledSubarray(
              [...Array(n).keys()].map((i) => i + 1),
              { minLength: n, maxLength: n },
            ),
            fc.array(fc.integer({ min: 1, max: 5 }), { minLength: n, maxLength: n }),
            fc.array(fc.boolean(), { minLength: n, maxLength: n }),
          ),
        ),
        ([order, batchSizes, duplicated]) => {
          let head = 0;
          let parked: Item[] = [];
          const applied: number[] = [];
          let i = 0;
          for (const size of batchSizes) {
            if (i >= order.length) break;
            const arrivals = order
              .slice(i, i + size)
              .flatMap((v, k) => (duplicated[i + k] ? [item(v), item(v)] : [item(v)]));
            i += size;
            const result = sequence(head, [
              ...parked.map((p) => ({ item: p, parked: true })),
              ...fresh(...arrivals),
            ]);
            applied.push(...result.apply.map((c) => c.item.version));
            parked = [
              ...parked.filter((p) => !result.apply.some((a) => a.item === p)),
              ...result.park.filter((c) => !c.parked).map((c) => c.item),
            ];
            head = result.head;
          }
          const delivered = new Set(order.slice(0, i));
          let prefix = 0;
          while (delivered.has(prefix + 1)) prefix += 1;
          expect(applied).toEqual([...Array(prefix).keys()].map((k) => k + 1));
        },
      ),
    );
  });
});
