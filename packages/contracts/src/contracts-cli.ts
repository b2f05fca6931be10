import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ASYNCAPI_FILE, buildAsyncApiDocument } from './asyncapi';
import { checkAgainstSnapshots } from './schema-gate';
import { currentSchemas, readSnapshots, SNAPSHOT_DIR, snapshotFile } from './schema-snapshots';

/**
 * `npm run contracts:asyncapi` writes docs/asyncapi.json; `npm run contracts:snapshot` records the JSON
 * Schema of every new or compatibly widened (type, version) and refuses, listing why, when a change to an
 * existing one would break its consumers. Files are written formatted as prettier would, so that
 * `format:check` and the drift tests agree.
 */

async function format(json: unknown, file: string): Promise<string> {
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(JSON.stringify(json), { ...options, filepath: file });
}

async function writeAsyncApi(): Promise<void> {
  writeFileSync(ASYNCAPI_FILE, await format(buildAsyncApiDocument(), ASYNCAPI_FILE));
  process.stdout.write(`wrote ${path.relative(process.cwd(), ASYNCAPI_FILE)}\n`);
}

async function writeSnapshots(): Promise<number> {
  const current = currentSchemas();
  const gate = checkAgainstSnapshots(readSnapshots(), current);
  if (gate.breaking.length > 0) {
    process.stderr.write(
      `not recording: breaking changes to existing message versions\n  ${gate.breaking.join('\n  ')}\n`,
    );
    return 1;
  }
  mkdirSync(SNAPSHOT_DIR, { recursive: true });
  const changed = new Set([...gate.added, ...gate.widened]);
  for (const { type, version, schema } of current) {
    const file = snapshotFile(type, version);
    if (!changed.has(path.basename(file, '.json'))) continue;
    writeFileSync(file, await format(schema, file));
  }
  process.stdout.write(
    `schema snapshots: ${gate.added.length} added (${gate.added.join(', ') || '-'}), ` +
      `${gate.widened.length} widened (${gate.widened.join(', ') || '-'})\n`,
  );
  return 0;
}

async function main(): Promise<number> {
  const command = process.argv[2];
  if (command === 'asyncapi') {
    await writeAsyncApi();
    return 0;
  }
  if (command === 'snapshot') return writeSnapshots();
  process.stderr.write('usage: contracts-cli asyncapi|snapshot\n');
  return 2;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
