import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type * as Document from './document';
import { OPENAPI_COMMAND, OPENAPI_FILE } from './openapi-file';

/**
 * Compares with the compiled gateway, which is what `npm run gateway:openapi` runs and what the gateway
 * serves: under vitest the sources load zod's and the contracts' modules in another way, and the
 * converter then inlines a few shared schemas that the served document names as components.
 */
const compiled = createRequire(__filename)('../../dist/openapi/document.js') as typeof Document;

describe('the committed docs/openapi.json', () => {
  it('is the document the compiled gateway derives from its routes', () => {
    const committed = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as unknown;
    expect(
      JSON.stringify(committed) === JSON.stringify(compiled.buildOpenApiDocument()),
      `docs/openapi.json is out of date with the gateway's routes; run \`${OPENAPI_COMMAND}\` and commit it`,
    ).toBe(true);
  });
});
