import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readDocument, renderTypes, TYPES_FILE } from './render.js';

describe('the generated client', () => {
  it('holds the types openapi-typescript generates from the committed OpenAPI document', async () => {
    const committed = await readFile(TYPES_FILE, 'utf8');
    expect(committed, 'stale: run `pnpm --filter @billing/client generate` and commit the result').toBe(
      await renderTypes(await readDocument()),
    );
  }, 20_000);
});
