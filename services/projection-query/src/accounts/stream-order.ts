/**
 * Orders the changes of one account stream. Pure.
 *
 * Events of one account travel on several partitions (entries are keyed by the debited account), so
 * they arrive in any order. The view of an account must always be a gapless prefix of its stream:
 * version n is applied only right after n - 1. An item that comes early is parked and applied when the
 * gap closes; an item at or below the applied version is a duplicate (a redelivery or a re-announced
 * outcome) and is dropped.
 */
export interface Sequenced {
  version: number;
  /** 0: the event that made `version`; 1: a supplement applied once `version` is (HoldCaptured). */
  slot: 0 | 1;
}

export interface Candidate<T extends Sequenced> {
  item: T;
  /** True when it comes from the pending table, so the caller knows what to delete and what to insert. */
  parked: boolean;
}

export interface SequenceResult<T extends Sequenced> {
  apply: Candidate<T>[];
  park: Candidate<T>[];
  drop: Candidate<T>[];
  /** The applied version after `apply`. */
  head: number;
}

export function sequence<T extends Sequenced>(
  head: number,
  candidates: readonly Candidate<T>[],
): SequenceResult<T> {
  const sorted = [...candidates].sort(
    (a, b) =>
      a.item.version - b.item.version || a.item.slot - b.item.slot || Number(b.parked) - Number(a.parked),
  );
  const result: SequenceResult<T> = { apply: [], park: [], drop: [], head };
  const seen = new Set<string>();
  for (const candidate of sorted) {
    const { version, slot } = candidate.item;
    const key = `${version}:${slot}`;
    if (seen.has(key)) {
      result.drop.push(candidate);
      continue;
    }
    seen.add(key);
    if (slot === 0) {
      if (version <= result.head) result.drop.push(candidate);
      else if (version === result.head + 1) {
        result.apply.push(candidate);
        result.head = version;
      } else result.park.push(candidate);
    } else if (version <= result.head) {
      result.apply.push(candidate);
    } else {
      result.park.push(candidate);
    }
  }
  return result;
}
