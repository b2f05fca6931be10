import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { messageDefinitions } from './catalog';
import { toJsonSchema, type JsonSchema } from './json-schema';
import { snapshotKey, type VersionedSchema } from './schema-gate';

/** packages/contracts/schema-snapshots: one committed JSON Schema per (type, version), `<Type>.v<N>.json`. */
export const SNAPSHOT_DIR = path.resolve(__dirname, '../schema-snapshots');

/** The command that refreshes the snapshots (and refuses to when a change is breaking). */
export const SNAPSHOT_COMMAND = 'npm run contracts:snapshot';

/** The whole envelope of every declared (type, version), as consumers parse it. */
export function currentSchemas(): VersionedSchema[] {
  return messageDefinitions().map(({ definition }) => ({
    type: definition.type,
    version: definition.version,
    schema: toJsonSchema(definition.schema),
  }));
}

export function readSnapshots(dir: string = SNAPSHOT_DIR): Record<string, JsonSchema> {
  const snapshots: Record<string, JsonSchema> = {};
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return snapshots;
  }
  for (const file of files)
    snapshots[file.slice(0, -'.json'.length)] = JSON.parse(
      readFileSync(path.join(dir, file), 'utf8'),
    ) as JsonSchema;
  return snapshots;
}

export function snapshotFile(type: string, version: number, dir: string = SNAPSHOT_DIR): string {
  return path.join(dir, `${snapshotKey(type, version)}.json`);
}
