import { writeFile } from 'node:fs/promises';
import { readDocument, renderTypes, TYPES_FILE } from './render.js';

/** Writes src/generated/api.ts from docs/openapi.json; run after `npm run gateway:openapi`. */
await writeFile(TYPES_FILE, await renderTypes(await readDocument()));
console.log('wrote src/generated/api.ts');
