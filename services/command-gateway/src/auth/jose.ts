/**
 * jose 6 is published as ECMAScript modules only. This CommonJS service loads it with a dynamic import
 * (Node 24 also allows require() of ESM, but TypeScript's Node16 module mode refuses to emit that), and
 * takes its types with the import resolution mode so they match what the dynamic import returns.
 */
export type Jose = typeof import('jose', { with: { 'resolution-mode': 'import' } });

let loaded: Promise<Jose> | null = null;

/** The jose module, loaded once per process. */
export function loadJose(): Promise<Jose> {
  loaded ??= import('jose');
  return loaded;
}
