import fc from 'fast-check';
import { fuzzCaseArb, type FuzzCase } from './cases';
import { checkResponse, resourceId } from './check';
import { describeRequest, HttpClient, type FuzzRequest, type FuzzResponse } from './http';
import { fetchSpec } from './spec';
import { setUpWorld, trialBalance, type Credential } from './world';

/**
 * The fuzzer as a library: reads the document from the gateway, sets up its accounts, sends cases from
 * a seeded generator with a bounded number of workers until the request count or the deadline is
 * reached, checks every answer, and then checks the ledger: the trial balance nets to zero per currency
 * and, when given, the ledger's own verification passes.
 */

export interface FuzzOptions {
  baseUrl: string;
  admin: Credential;
  owners: Credential[];
  requests: number;
  seed: number;
  concurrency: number;
  maxSeconds: number;
  /** Count 503s under overload as violations too. */
  strictUnavailable?: boolean;
  /** Names this run's accounts and keys; defaults to one derived from the clock. */
  runId?: string;
  /** Runs `ledger:verify` against the system's ledger database; skipped when absent. */
  verifyLedger?: () => Promise<{ exitCode: number | null; output: string }>;
  log?: (line: string) => void;
}

export interface Violation {
  reason: string;
  kind: string;
  who: string;
  request: string;
  status?: number;
  body?: string;
}

export interface FuzzSummary {
  seed: number;
  runId: string;
  requests: number;
  seconds: number;
  byStatus: Record<string, number>;
  byKind: Record<string, number>;
  unavailable: number;
  violationCount: number;
  /** How many violations of each kind (the reason with ids and numbers blanked out). */
  violationKinds: Record<string, number>;
  /** Mean answer time per kind of request, in milliseconds. */
  meanMsByKind: Record<string, number>;
  /** The first violations in full (at most VIOLATIONS_KEPT). */
  violations: Violation[];
  trialBalance: { currency: string; net: string }[];
  ledgerVerify: { exitCode: number | null; output: string } | 'skipped';
}

const VIOLATIONS_KEPT = 50;
const CHUNK = 250;
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export async function runFuzz(options: FuzzOptions): Promise<FuzzSummary> {
  const baseUrl = new URL(options.baseUrl);
  if (!LOCAL_HOSTS.has(baseUrl.hostname)) throw new Error('the fuzzer only targets this machine (127.0.0.1)');
  const log = options.log ?? (() => {});
  const runId = options.runId ?? Date.now().toString(36);
  const started = performance.now();
  const deadline = Date.now() + options.maxSeconds * 1000;
  const spec = await fetchSpec(options.baseUrl);
  log(`document: ${spec.operations.length} operations; setting up accounts (run ${runId})`);
  const world = await setUpWorld(baseUrl, options.admin, options.owners, runId);
  log(`set up ${world.accounts.length} accounts and ${world.transactions.length} transactions; fuzzing`);
  const arb = fuzzCaseArb(spec, world);
  const client = new HttpClient(baseUrl, options.concurrency);
  const summary: FuzzSummary = {
    seed: options.seed,
    runId,
    requests: 0,
    seconds: 0,
    byStatus: {},
    byKind: {},
    unavailable: 0,
    violationCount: 0,
    violationKinds: {},
    meanMsByKind: {},
    violations: [],
    trialBalance: [],
    ledgerVerify: 'skipped',
  };
  const seen = new Map<string, number>();
  const violate = (request: FuzzRequest, reason: string, response?: FuzzResponse) => {
    summary.violationCount += 1;
    // One example per kind of violation: the same reason with other ids or values is counted only.
    const signature = reason.replace(/[0-9a-f-]{36}|\d+/g, '#');
    seen.set(signature, (seen.get(signature) ?? 0) + 1);
    summary.violationKinds[signature] = seen.get(signature)!;
    if (seen.get(signature)! > 1 || summary.violations.length >= VIOLATIONS_KEPT) return;
    const v: Violation = {
      reason,
      kind: request.kind,
      who: request.who,
      request: describeRequest(baseUrl, request),
    };
    if (response) {
      v.status = response.status;
      v.body = response.text.slice(0, 600);
    }
    summary.violations.push(v);
  };
  const totalMs: Record<string, number> = {};
  const send = async (request: FuzzRequest): Promise<FuzzResponse | undefined> => {
    summary.requests += 1;
    const kind = request.kind.split(':').slice(0, 2).join(':');
    summary.byKind[kind] = (summary.byKind[kind] ?? 0) + 1;
    try {
      const response = await client.send(request);
      totalMs[kind] = (totalMs[kind] ?? 0) + response.durationMs;
      summary.byStatus[response.status] = (summary.byStatus[response.status] ?? 0) + 1;
      const verdict = checkResponse(spec, request, response, options.strictUnavailable ?? false);
      if (verdict.outcome === 'unavailable') summary.unavailable += 1;
      if (verdict.outcome === 'violation') violate(request, verdict.reason, response);
      return response;
    } catch (err) {
      summary.byStatus.error = (summary.byStatus.error ?? 0) + 1;
      violate(request, `no answer: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  };
  const runCase = async (c: FuzzCase) => {
    const responses = await Promise.all(c.requests.map(send));
    if (c.group !== 'same-key') return;
    const ids = new Set(
      responses.flatMap((r) => (r ? [resourceId(r)] : [])).filter((id) => id !== undefined),
    );
    if (ids.size > 1)
      violate(
        c.requests[0]!,
        `one idempotency key answered ${ids.size} different ids: ${[...ids].join(', ')}`,
      );
  };
  let queue: FuzzCase[] = [];
  let chunk = 0;
  let issued = 0;
  const nextCase = (): FuzzCase | undefined => {
    if (issued >= options.requests || Date.now() >= deadline) return undefined;
    if (queue.length === 0) queue = fc.sample(arb, { seed: options.seed + chunk++, numRuns: CHUNK });
    const c = queue.shift()!;
    issued += c.requests.length;
    return c;
  };
  let reported = 0;
  const worker = async () => {
    for (let c = nextCase(); c; c = nextCase()) {
      await runCase(c);
      if (summary.requests - reported >= 5000) {
        reported = summary.requests;
        log(
          `${summary.requests} requests, ${summary.violationCount} violations, ${summary.unavailable} unavailable`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  client.close();
  for (const [kind, ms] of Object.entries(totalMs))
    summary.meanMsByKind[kind] = Math.round(ms / summary.byKind[kind]!);
  summary.seconds = (performance.now() - started) / 1000;
  log('checking the ledger');
  await checkLedger(baseUrl, options, summary);
  return summary;
}

/** Waits until the read side has settled (two equal trial balances in a row), then checks it and the ledger. */
async function checkLedger(baseUrl: URL, options: FuzzOptions, summary: FuzzSummary): Promise<void> {
  const settleDeadline = Date.now() + 60_000;
  let previous = '';
  let balance = await trialBalance(baseUrl, options.admin);
  while (Date.now() < settleDeadline && JSON.stringify(balance) !== previous) {
    previous = JSON.stringify(balance);
    await new Promise((r) => setTimeout(r, 2000));
    balance = await trialBalance(baseUrl, options.admin);
  }
  summary.trialBalance = balance.map(({ currency, net }) => ({ currency, net }));
  const note = (reason: string) => {
    summary.violationCount += 1;
    summary.violationKinds[reason] = 1;
    summary.violations.push({
      reason,
      kind: 'ledger',
      who: 'admin',
      request: 'GET /api/v1/reports/trial-balance',
    });
  };
  for (const { currency, net } of balance) {
    if (!/^-?0(\.0+)?$/.test(net)) note(`trial balance of ${currency} nets to ${net}, not zero`);
  }
  if (options.verifyLedger) {
    summary.ledgerVerify = await options.verifyLedger();
    if (summary.ledgerVerify.exitCode !== 0) note(`ledger:verify exited ${summary.ledgerVerify.exitCode}`);
  }
}

/** The summary as the CLI prints it. */
export function formatSummary(s: FuzzSummary): string {
  const sorted = (r: Record<string, number>) =>
    Object.entries(r)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  const lines = [
    `fuzz: ${s.requests} requests in ${s.seconds.toFixed(1)} s (seed ${s.seed}, run ${s.runId})`,
    `by status: ${sorted(s.byStatus)}`,
    `by kind: ${sorted(s.byKind)}`,
    `unavailable (documented 503 under load): ${s.unavailable}`,
    `trial balance: ${s.trialBalance.map((t) => `${t.currency} net ${t.net}`).join(', ') || 'empty'}`,
    `ledger:verify: ${s.ledgerVerify === 'skipped' ? 'skipped' : `exit ${s.ledgerVerify.exitCode}, ${lastLine(s.ledgerVerify.output)}`}`,
    `mean ms by kind: ${sorted(s.meanMsByKind)}`,
    `violations: ${s.violationCount}`,
    ...Object.entries(s.violationKinds).map(([reason, n]) => `  ${n} x ${reason}`),
    ...(s.violations.length > 0 ? ['first example of each:'] : []),
  ];
  for (const v of s.violations) {
    lines.push(`  - ${v.reason} [${v.kind}, as ${v.who}]`, `    ${v.request}`);
    if (v.status !== undefined) lines.push(`    -> ${v.status} ${v.body ?? ''}`);
  }
  if (s.violationCount > s.violations.length)
    lines.push(`  ... and ${s.violationCount - s.violations.length} more`);
  return lines.join('\n');
}

function lastLine(output: string): string {
  return output.trim().split('\n').at(-1) ?? '';
}
