import { parseArgs } from 'node:util';
import { createGatewayClient } from '@billing/client/gateway-client';
import { GatewayProblem } from '@billing/client/problem';

/**
 * A load generator for the running system (`npm start`): opens accounts, funds them, then sends money
 * movements through the gateway with `Prefer: wait` and reports throughput and end-to-end latency
 * (request to final state, across all four services and Kafka). Bounded in count and time, and only
 * ever aimed at the local gateway.
 */
const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:3000' },
    key: { type: 'string', default: 'dev-admin-key' },
    transfers: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '16' },
    accounts: { type: 'string', default: '32' },
    'max-seconds': { type: 'string', default: '120' },
  },
});
const url = new URL(values.url!);
if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
  throw new Error('the load generator only targets this machine');
const TRANSFERS = Math.min(Number(values.transfers), 100_000);
const CONCURRENCY = Math.min(Number(values.concurrency), 256);
const ACCOUNTS = Math.min(Math.max(Number(values.accounts), 2), 1000);
const DEADLINE = Date.now() + Math.min(Number(values['max-seconds']), 600) * 1000;
const run = Date.now().toString(36);
// The typed client, so a route that changes in the gateway's document stops this tool compiling; each
// movement waits for its final state.
const gateway = createGatewayClient({ baseUrl: url.origin, credential: { apiKey: values.key! } });
const WAIT = { waitSeconds: 30 };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const open = async (ownerId: string, ownerType: string, type: 'USER' | 'EXTERNAL') =>
    (await gateway.accounts.open({ ownerId, ownerType, currency: 'USD', type }, WAIT)).body.id;
  const bank = await open(`load-bank-${run}`, 'bank', 'EXTERNAL');
  const users: string[] = [];
  for (let i = 0; i < ACCOUNTS; i++) users.push(await open(`load-${run}-${i}`, 'user', 'USER'));
  await Promise.all(
    users.map((u, i) =>
      gateway.transactions.topUp(
        { sourceAccountId: bank, destinationAccountId: u, amount: '1000000.00', currency: 'USD' },
        { ...WAIT, idempotencyKey: `load-fund-${run}-${i}` },
      ),
    ),
  );

  const latencies: number[] = [];
  const outcomes = new Map<string, number>();
  let next = 0;
  const started = performance.now();
  async function worker(): Promise<void> {
    while (next < TRANSFERS && Date.now() < DEADLINE) {
      const i = next++;
      const from = users[i % users.length]!;
      const to =
        users[(i * 7 + 1) % users.length] === from
          ? users[(i + 1) % users.length]!
          : users[(i * 7 + 1) % users.length]!;
      const t0 = performance.now();
      // A refusal counts by its stable code, anything else (unreachable, a broken answer) as an error.
      const status = await gateway.transactions
        .transfer(
          { sourceAccountId: from, destinationAccountId: to, amount: '1.00', currency: 'USD' },
          { ...WAIT, idempotencyKey: `load-${run}-${i}` },
        )
        .then(
          (answer) => answer.body.status,
          (err: unknown) => (err instanceof GatewayProblem ? err.code : 'error'),
        );
      latencies.push(performance.now() - t0);
      outcomes.set(status, (outcomes.get(status) ?? 0) + 1);
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
  console.log(
    `transfers: ${latencies.length} in ${seconds.toFixed(1)} s with concurrency ${CONCURRENCY} over ${ACCOUNTS} accounts`,
  );
  console.log(
    `throughput: ${(latencies.length / seconds).toFixed(1)} transfers/s (each answered in its final state)`,
  );
  console.log(
    `latency: p50 ${fmt(percentile(latencies, 50))}, p95 ${fmt(percentile(latencies, 95))}, p99 ${fmt(percentile(latencies, 99))}, max ${fmt(latencies.at(-1) ?? NaN)}`,
  );
  console.log(`outcomes: ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')}`);
}

main().catch((err: unknown) => {
  console.error('load failed:', err);
  process.exit(1);
});
