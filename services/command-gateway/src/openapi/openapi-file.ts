import path from 'node:path';

/**
 * The committed copy of the gateway's OpenAPI document, for consumers that generate clients from a file
 * rather than from a running gateway. The drift test fails when it differs from what the routes derive.
 */
export const OPENAPI_FILE = path.resolve(__dirname, '../../../../docs/openapi.json');
export const OPENAPI_COMMAND = 'npm run gateway:openapi';
