import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildOpenApiDocument } from './document';
import { OPENAPI_FILE } from './openapi-file';

/**
 * `npm run gateway:openapi` writes docs/openapi.json, formatted as prettier would so that `format:check`
 * and the drift test agree.
 */
async function main(): Promise<void> {
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(OPENAPI_FILE)) ?? {};
  const text = await prettier.format(JSON.stringify(buildOpenApiDocument()), {
    ...options,
    filepath: OPENAPI_FILE,
  });
  writeFileSync(OPENAPI_FILE, text);
  process.stdout.write(`wrote ${path.relative(process.cwd(), OPENAPI_FILE)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
