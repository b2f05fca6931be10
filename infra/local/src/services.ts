import path from 'node:path';

/** The deployables, where they listen locally, and which database each owns. */
export interface ServiceDefinition {
  name: 'command-gateway' | 'account-ledger' | 'saga-orchestrator' | 'projection-query';
  port: number;
  database: string | null;
}

export const SERVICES: readonly ServiceDefinition[] = [
  { name: 'account-ledger', port: 3001, database: 'billing_ledger' },
  { name: 'saga-orchestrator', port: 3002, database: 'billing_saga' },
  { name: 'projection-query', port: 3003, database: 'billing_projection' },
  { name: 'command-gateway', port: 3000, database: null },
];

export const REPO_ROOT = path.resolve(__dirname, '../../..');

export function serviceEntry(name: ServiceDefinition['name']): string {
  return path.join(REPO_ROOT, 'services', name, 'dist', 'main.js');
}

/** The database URL of one service: the server from `serverUrl`, the service's own database name. */
export function databaseUrlFor(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
