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

/**
 * The operator console: not a Kafka service (no database, no broker identity), a web server in front of
 * the gateway. The launcher runs it beside the four; tests of the services leave it out.
 */
export const CONSOLE = { name: 'operator-console', port: 3005 } as const;

/** Anything the supervisor can run: one of the four services, or the console. */
export type DeployableName = ServiceDefinition['name'] | (typeof CONSOLE)['name'];

export const REPO_ROOT = path.resolve(__dirname, '../../..');

/**
 * V8 flags every service runs with (the image and the Kubernetes manifests set the same). Node 24 lets
 * the young generation grow to 128 MiB under load: that, not live data (40 to 80 MiB of old space), is
 * what took a service's RSS past 300 MiB. Capped at 2 x 16 MiB, the services stay under 256 MiB at the
 * bench's load with no loss of throughput (docs/performance.md). A cap on the old space alone does not
 * help: it counts the young generation in, and starved the old space into collecting without end.
 */
export const SERVICE_NODE_OPTIONS = '--max-semi-space-size=16';

export function serviceEntry(name: DeployableName): string {
  return path.join(REPO_ROOT, 'services', name, 'dist', 'main.js');
}

/** The database URL of one service: the server from `serverUrl`, the service's own database name. */
export function databaseUrlFor(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
