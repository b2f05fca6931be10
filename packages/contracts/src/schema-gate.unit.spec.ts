import { describe, expect, it } from 'vitest';
import { checkAgainstSnapshots } from './schema-gate';
import { currentSchemas, readSnapshots, SNAPSHOT_COMMAND } from './schema-snapshots';

/**
 * The compatibility gate over the committed snapshots (packages/contracts/schema-snapshots): a change to an
 * existing (type, version) that its consumers would not survive fails here, naming the field; a new
 * version or a compatible widening only asks for the snapshot to be refreshed.
 */
describe('the committed schema snapshots', () => {
  const gate = checkAgainstSnapshots(readSnapshots(), currentSchemas());

  it('given every declared message version, then none changed in a way its consumers cannot read', () => {
    expect(gate.breaking, `breaking changes:\n${gate.breaking.join('\n')}`).toEqual([]);
  });

  it('given every declared message version, then each has a snapshot recording its current schema', () => {
    const stale = [...gate.added.map((k) => `${k} (new)`), ...gate.widened.map((k) => `${k} (widened)`)];
    expect(
      stale,
      `schema snapshots are out of date: ${stale.join(', ')}; run \`${SNAPSHOT_COMMAND}\``,
    ).toEqual([]);
  });
});
