import { compareDecimal } from '@billing/contracts/money';
import { formatSummary, runFuzz, type FuzzSummary } from '@billing/local-infra/fuzz/run';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type RunningSystem } from './system';

/**
 * The API fuzzer (docs/reliability.md) against the whole system with an admin and two owners' keys: a
 * few thousand valid, boundary and malformed requests, bounded in time so that it fits CI on a small
 * machine. No answer may be a 5xx other than a documented 503, every refusal must be problem+json with a
 * code the OpenAPI document lists, every success must match its schema, and afterwards the trial
 * balance nets to zero and `ledger:verify` passes.
 */
const KEYS = {
  admin: 'fuzz-admin-key-0000001',
  alice: 'fuzz-alice-key-0000001',
  bob: 'fuzz-bob-key-000000001',
};
/** Bounded by time as well as by count: the run stops at whichever comes first. */
const REQUESTS = 3000;
const FUZZ_SECONDS = 60;
const SEED = 20261201;

let system: RunningSystem;
let summary: FuzzSummary;

beforeAll(async () => {
  system = await startSystem('fuzz', {
    env: {
      'command-gateway': {
        API_KEYS: JSON.stringify([
          { key: KEYS.admin, role: 'admin' },
          { key: KEYS.alice, role: 'owner', ownerId: 'fuzz_alice' },
          { key: KEYS.bob, role: 'owner', ownerId: 'fuzz_bob' },
        ]),
        // The fuzzer measures the API, not the per-key limit (429s are still checked when they come).
        RATE_LIMIT_PER_SECOND: '10000',
        RATE_LIMIT_BURST: '10000',
      },
    },
  });
});

afterAll(async () => {
  await system?.stop();
});

describe('the API fuzzer', () => {
  it(
    'finds no violation in thousands of requests, and the ledger balances afterwards',
    { timeout: 170_000 },
    async () => {
      summary = await runFuzz({
        baseUrl: system.gatewayUrl,
        admin: { name: 'admin', key: KEYS.admin },
        owners: [
          { name: 'fuzz_alice', key: KEYS.alice, ownerId: 'fuzz_alice' },
          { name: 'fuzz_bob', key: KEYS.bob, ownerId: 'fuzz_bob' },
        ],
        requests: REQUESTS,
        seed: SEED,
        concurrency: 16,
        maxSeconds: FUZZ_SECONDS,
        verifyLedger: system.verifyLedger,
      });
      console.log(formatSummary(summary));
      expect(summary.violations, formatSummary(summary)).toEqual([]);
      expect(summary.violationCount).toBe(0);
      // However slow the machine, the run covered a good share of the request kinds.
      expect(summary.requests).toBeGreaterThanOrEqual(500);
      expect(Object.keys(summary.byKind).length).toBeGreaterThanOrEqual(20);
      expect(summary.trialBalance.map((t) => t.currency)).toEqual(expect.arrayContaining(['EUR', 'USD']));
      expect(summary.trialBalance.every((t) => compareDecimal(t.net, '0') === 0)).toBe(true);
      expect(summary.ledgerVerify).toMatchObject({ exitCode: 0 });
    },
  );
});
