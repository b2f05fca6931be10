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
 * V8 flags every service runs with locally and in the bench (the image and the Kubernetes manifests cap
 * the young generation the same way and size the old space to their memory limits):
 * - Node 24 let the young generation grow to 128 MiB under load, which was most of a service's RSS above
 *   256 MiB; capped at 2 x 16 MiB it costs no throughput in the bench.
 * - Old space then held 40 to 150 MiB, mostly garbage promoted between collections (a heap snapshot
 *   after a run finds 35 MiB live); 128 MiB bounds it, and kept every service under 200 MiB RSS through
 *   a 60 s bench run at full load (docs/performance.md). Capping the old space without the young
 *   generation had left the old space too little room, and the services spent their time collecting.
 */
export const SERVICE_NODE_OPTIONS = '--max-semi-space-size=16 --max-old-space-size=128';

export function serviceEntry(name: DeployableName): string {
  return path.join(REPO_ROOT, 'services', name, 'dist', 'main.js');
}

/** The database URL of one service: the server from `serverUrl`, the service's own database name. */
export function databaseUrlFor(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
