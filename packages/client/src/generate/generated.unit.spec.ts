import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENERATED_FILES, renderDocument, renderTypes } from './render.js';

const packageRoot = join(import.meta.dirname, '..', '..');
const REGENERATE = 'stale: run `pnpm --filter @billing/client generate` and commit the result';

describe('the generated client', () => {
  it('holds the OpenAPI document the gateway builds now', async () => {
    const committed = await readFile(join(packageRoot, GENERATED_FILES.document), 'utf8');
    expect(committed, REGENERATE).toBe(await renderDocument());
  });

  it('holds the types openapi-typescript generates from that document', async () => {
    const committed = await readFile(join(packageRoot, GENERATED_FILES.types), 'utf8');
    expect(committed, REGENERATE).toBe(await renderTypes(await renderDocument()));
  }, 20_000);
});
