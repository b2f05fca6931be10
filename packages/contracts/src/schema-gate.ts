import { compareSchemas } from './compatibility';
import type { JsonSchema } from './json-schema';

/**
 * The compatibility gate over every (type, version): the committed snapshot of each one's JSON Schema
 * against what the code declares now. Pure; reading and writing the snapshot files is the CLI's job.
 */

export interface VersionedSchema {
  type: string;
  version: number;
  schema: JsonSchema;
}

export interface GateResult {
  /** One line per (type, version) whose change its consumers would not survive, saying what to do. */
  breaking: string[];
  /** Declared now, not in the snapshot yet: the regenerate command adds them. */
  added: string[];
  /** Changed compatibly (widened): the regenerate command records the new schema. */
  widened: string[];
}

export function snapshotKey(type: string, version: number): string {
  return `${type}.v${version}`;
}

function parseKey(key: string): { type: string; version: number } {
  const match = /^(.+)\.v(\d+)$/.exec(key);
  return match ? { type: match[1]!, version: Number(match[2]) } : { type: key, version: 0 };
}

export function checkAgainstSnapshots(
  snapshots: Readonly<Record<string, JsonSchema>>,
  current: readonly VersionedSchema[],
): GateResult {
  const result: GateResult = { breaking: [], added: [], widened: [] };
  const latest = new Map<string, number>();
  for (const key of [...Object.keys(snapshots), ...current.map((c) => snapshotKey(c.type, c.version))]) {
    const { type, version } = parseKey(key);
    latest.set(type, Math.max(latest.get(type) ?? 0, version));
  }
  const declared = new Set(current.map((c) => snapshotKey(c.type, c.version)));
  for (const { type, version, schema } of current) {
    const key = snapshotKey(type, version);
    const before = snapshots[key];
    if (before === undefined) {
      result.added.push(key);
      continue;
    }
    const problems = compareSchemas(before, schema);
    if (problems.length > 0) {
      const listed = problems.map((p) => `${p.path === '' ? 'message' : `field ${p.path}`} ${p.problem}`);
      result.breaking.push(
        `${type} v${version}: ${listed.join('; ')}; add version ${latest.get(type)! + 1} instead`,
      );
    } else if (JSON.stringify(before) !== JSON.stringify(schema)) {
      result.widened.push(key);
    }
  }
  for (const key of Object.keys(snapshots)) {
    if (declared.has(key)) continue;
    const { type, version } = parseKey(key);
    result.breaking.push(
      `${type} v${version}: no longer declared, so its consumers would dead-letter what is still on the topic; ` +
        'keep declaring it, or delete its snapshot deliberately once no such message can be read any more',
    );
  }
  return result;
}
