import { describe, expect, it } from 'vitest';
import type { ConsumedMessage } from './consumer';
import { JointBatches, mergeContexts, type JointPart } from './joint-batches';
import type { CauseContexts } from './telemetry';

function part(
  partition: number,
  size: number,
  contexts: CauseContexts | null = null,
): JointPart<'accountCommands'> {
  const parsed = Array.from(
    { length: size },
    (_, i) => ({ partition, offset: String(i) }) as unknown as ConsumedMessage<'accountCommands'>,
  );
  return { topic: 't', partition, parsed, next: String(size), contexts };
}

describe('joint batches', () => {
  it('applies the parts that arrive in the same turn of the event loop together, in arrival order', async () => {
    const calls: number[][] = [];
    const joint = new JointBatches<'accountCommands'>({
      sizeMax: () => 500,
      apply: async (parts) => {
        calls.push(parts.map((p) => p.partition));
        return 'committed';
      },
      failed: () => undefined,
    });
    const outcomes = await Promise.all([joint.add(part(3, 2)), joint.add(part(0, 1)), joint.add(part(5, 4))]);
    expect(outcomes).toEqual(['committed', 'committed', 'committed']);
    expect(calls).toEqual([[3, 0, 5]]);
  });

  it('keeps a joint application within the size limit, never splitting a part', async () => {
    const calls: number[][] = [];
    const joint = new JointBatches<'accountCommands'>({
      sizeMax: () => 5,
      apply: async (parts) => {
        calls.push(parts.map((p) => p.parsed.length));
        return 'committed';
      },
      failed: () => undefined,
    });
    await Promise.all([
      joint.add(part(0, 3)),
      joint.add(part(1, 2)),
      joint.add(part(2, 4)),
      joint.add(part(3, 7)),
    ]);
    expect(calls).toEqual([[3, 2], [4], [7]]);
  });

  it('forms the next group from what arrived while one was being applied, one application at a time', async () => {
    const calls: number[][] = [];
    let running = 0;
    let overlapped = false;
    let release!: () => void;
    const firstHeld = new Promise<void>((r) => (release = r));
    const joint = new JointBatches<'accountCommands'>({
      sizeMax: () => 500,
      apply: async (parts) => {
        running++;
        if (running > 1) overlapped = true;
        calls.push(parts.map((p) => p.partition));
        if (calls.length === 1) await firstHeld;
        running--;
        return 'committed';
      },
      failed: () => undefined,
    });
    const first = joint.add(part(0, 1));
    await new Promise((r) => setImmediate(r));
    const later = [joint.add(part(1, 1)), joint.add(part(2, 1))];
    release();
    await Promise.all([first, ...later]);
    expect(calls).toEqual([[0], [1, 2]]);
    expect(overlapped).toBe(false);
  });

  it('sends every part of a failed application back to be applied alone, and reports the failure once', async () => {
    const failures: number[][] = [];
    const joint = new JointBatches<'accountCommands'>({
      sizeMax: () => 500,
      apply: async () => {
        throw new Error('a poison message somewhere');
      },
      failed: (_err, parts) => failures.push(parts.map((p) => p.partition)),
    });
    const outcomes = await Promise.all([joint.add(part(0, 1)), joint.add(part(1, 1))]);
    expect(outcomes).toEqual(['alone', 'alone']);
    expect(failures).toEqual([[0, 1]]);
  });

  it('passes a lost group membership on to every part of the application', async () => {
    const joint = new JointBatches<'accountCommands'>({
      sizeMax: () => 500,
      apply: async () => 'lost',
      failed: () => undefined,
    });
    expect(await Promise.all([joint.add(part(0, 1)), joint.add(part(1, 1))])).toEqual(['lost', 'lost']);
  });

  it('merges the parts’ cause contexts, keeping the first context of a correlation id', () => {
    const a = { byMessageId: new Map([['m1', 'A1']]), byCorrelationId: new Map([['c', 'A']]) };
    const b = {
      byMessageId: new Map([['m2', 'B2']]),
      byCorrelationId: new Map([
        ['c', 'B'],
        ['d', 'B'],
      ]),
    };
    const merged = mergeContexts([
      part(0, 1, a as unknown as CauseContexts),
      part(1, 1, null),
      part(2, 1, b as unknown as CauseContexts),
    ])!;
    expect(Object.fromEntries(merged.byMessageId)).toEqual({ m1: 'A1', m2: 'B2' });
    expect(Object.fromEntries(merged.byCorrelationId)).toEqual({ c: 'A', d: 'B' });
    expect(mergeContexts([part(0, 1, null)])).toBeNull();
  });
});
