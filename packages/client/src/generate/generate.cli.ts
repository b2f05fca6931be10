import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATED_FILES, renderDocument, renderTypes } from './render.js';

/** Writes openapi.json and src/generated/api.ts of this package; run after changing a gateway route. */
const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const document = await renderDocument();
await writeFile(join(packageRoot, GENERATED_FILES.document), document);
await writeFile(join(packageRoot, GENERATED_FILES.types), await renderTypes(document));
console.log(`wrote ${GENERATED_FILES.document} and ${GENERATED_FILES.types}`);
