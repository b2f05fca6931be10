import fc from 'fast-check';
import { HOLD_TTL_MAX_MS } from '@billing/contracts/messages/holds';
import { createDatabase, migrate, type Knex } from '@billing/platform/db';
import { testEnv } from '@billing/testing/env';
import { createTestDatabase } from '@billing/testing/infra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandMaker, type ActorPick, type StepSpec } from '../test/ledger-property-commands';
import {
  checkAnswers,
  checkDatabase,
  checkFrozen,
  checkOwnersReach,
  checkRefusalsAndHolds,
  RunRecord,
} from '../test/ledger-property-checks';
import { LedgerWorld, TestClock } from '../test/ledger-property-world';
import type { LedgerCommand } from './ledger-commands/ledger-batch';
import { migrations } from './migrations';

/**
 * The ledger's rules as properties of its real handlers on a real database (issue 9): random batches of
 * ledger commands by random actors, with the duplicates and resends the platform produces (the same
 * message twice, the saga's resend under a new message id, two copies in one batch, a resend once the
 * account was funded), go through `handleLedgerCommands` and the real expiry sweep on a clock the test
 * moves. After every batch the database must pass every check of ledger:verify and the rules that only
 * commands and outcomes show. LEDGER_PROPERTY_SEED (and LEDGER_PROPERTY_PATH) replay a failure that
 * fast-check reported; LEDGER_PROPERTY_RUNS sets the number of runs.
 */

const NUM_RUNS = Number(process.env.LEDGER_PROPERTY_RUNS ?? 25);
const SEED =
  process.env.LEDGER_PROPERTY_SEED === undefined ? undefined : Number(process.env.LEDGER_PROPERTY_SEED);
const PATH = process.env.LEDGER_PROPERTY_PATH;
const MINUTE_MS = 60_000;

interface BatchSpec {
  /** Admin status change before the batch: an account of the run suspended or reactivated. */
  status: { account: number; suspend: boolean } | null;
  /** How far the clock moves before the batch, and whether the expiry sweep runs then. */
  jumpMs: number;
  sweep: boolean;
  steps: { step: StepSpec; copies: 'one' | 'sameMessage' | 'newMessage' }[];
}

interface RunSpec {
  owners: number;
  jpy: boolean;
  maxBalanceMinor: (bigint | null)[];
  batches: BatchSpec[];
}

const actorArb: fc.Arbitrary<ActorPick> = fc.oneof(
  { arbitrary: fc.constant<ActorPick>('admin'), weight: 3 },
  { arbitrary: fc.constant<ActorPick>('system'), weight: 1 },
  { arbitrary: fc.constant<ActorPick>('self'), weight: 4 },
  { arbitrary: fc.nat({ max: 2 }), weight: 2 },
);
const settlerArb: fc.Arbitrary<ActorPick | 'placer'> = fc.oneof(
  { arbitrary: fc.constant<'placer'>('placer'), weight: 4 },
  { arbitrary: actorArb, weight: 1 },
);
const minorArb = fc.oneof(fc.bigInt(1n, 500n), fc.bigInt(1n, 20_000n), fc.bigInt(1n, 200_000n));
const idx = fc.nat({ max: 30 });
const rarely = fc.oneof(
  { weight: 5, arbitrary: fc.constant(false) },
  { weight: 1, arbitrary: fc.constant(true) },
);

const stepArb: fc.Arbitrary<StepSpec> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant('topup' as const),
      actor: actorArb,
      source: fc.constantFrom('bank' as const, 'funding' as const, 'funding' as const, 'user' as const),
      to: idx,
      minor: fc.oneof(minorArb, fc.bigInt(10_000n, 500_000n)),
      hold: rarely,
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant('move' as const),
      type: fc.constantFrom('transfer' as const, 'payment' as const),
      actor: actorArb,
      from: idx,
      to: idx,
      toFees: fc.boolean(),
      minor: minorArb,
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant('withdraw' as const),
      actor: actorArb,
      from: idx,
      credit: fc.constantFrom(
        'payout',
        'payout',
        'payout',
        'none',
        'user',
        'otherCurrency',
        'inactive',
        'missing',
      ),
      minor: minorArb,
      ttlMs: fc.oneof(
        { weight: 8, arbitrary: fc.integer({ min: MINUTE_MS, max: 120 * MINUTE_MS }) },
        { weight: 1, arbitrary: fc.constant(-1) },
        { weight: 1, arbitrary: fc.constant(HOLD_TTL_MAX_MS + MINUTE_MS) },
      ),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant('capture' as const),
      hold: idx,
      anyHold: rarely,
      actor: settlerArb,
      attempt: fc.nat({ max: 2 }),
      credit: fc.constantFrom('stored' as const, 'stored' as const, 'stored' as const, 'bank' as const),
      part: fc.constantFrom('full' as const, 'full' as const, 'half' as const, 'over' as const),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('release' as const),
      hold: idx,
      anyHold: rarely,
      actor: settlerArb,
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('reverse' as const), entry: idx, actor: actorArb }) },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('resend' as const),
      of: fc.nat({ max: 60 }),
      sameMessage: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('fundedResend' as const), of: fc.nat({ max: 60 }) }) },
);

const batchArb: fc.Arbitrary<BatchSpec> = fc.record({
  status: fc.oneof(
    { weight: 4, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.record({ account: idx, suspend: fc.boolean() }) },
  ),
  jumpMs: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 90 * MINUTE_MS })),
  sweep: fc.boolean(),
  steps: fc.array(
    fc.record({
      step: stepArb,
      copies: fc.constantFrom(
        'one' as const,
        'one' as const,
        'one' as const,
        'sameMessage' as const,
        'newMessage' as const,
      ),
    }),
    { minLength: 1, maxLength: 6 },
  ),
});

const runArb: fc.Arbitrary<RunSpec> = fc.record({
  owners: fc.integer({ min: 2, max: 3 }),
  jpy: fc.boolean(),
  maxBalanceMinor: fc.array(fc.option(fc.bigInt(50_000n, 1_000_000n), { freq: 3 }), {
    minLength: 1,
    maxLength: 4,
  }),
  batches: fc.array(batchArb, { minLength: 5, maxLength: 10 }),
});

let db: { url: string; drop(): Promise<void> };
let knex: Knex;
let world: LedgerWorld;

beforeAll(async () => {
  db = await createTestDatabase(testEnv().databaseUrl, 'ledger_property');
  knex = createDatabase({ url: db.url, poolMax: 4, applicationName: 'ledger-property-test' });
  await migrate(knex, migrations, 'knex_migrations');
  world = new LedgerWorld(knex, new TestClock(Date.parse('2027-01-01T00:00:00.000Z')));
});

afterAll(async () => {
  await knex?.destroy();
  await db?.drop();
});

/** What the runs reached, across all of them: outcome types, refused resends, owed holds. */
const tally = new Map<string, number>();
const count = (what: string, n = 1): void => void tally.set(what, (tally.get(what) ?? 0) + n);

async function countReached(run: RunRecord): Promise<void> {
  for (const copies of run.groups()) {
    const answer = run.answerOf(copies[0]!);
    if (answer) count(answer.type);
    if (answer?.type === 'CommandRejected' && copies.length > 1) count('refused resend');
  }
  const holds: { status: string; owed: boolean }[] = await knex('holds').select(
    'status',
    knex.raw('capture_requested_at is not null as owed'),
  );
  count('expired', holds.filter((h) => h.status === 'expired').length);
  count('owed hold', holds.filter((h) => h.owed).length);
}

/** One run: fresh accounts, then its batches, each followed by every check. */
async function play(spec: RunSpec): Promise<void> {
  await world.reset();
  const accounts = await world.openRun(spec.owners, spec.jpy, spec.maxBalanceMinor);
  const run = new RunRecord(accounts);
  const maker = new CommandMaker(world, run);
  const statusTargets = [...accounts.users.map((u) => u.id), accounts.funding.USD, accounts.payout.USD];
  for (const [i, batch] of spec.batches.entries()) {
    world.clock.advance(batch.jumpMs + 1);
    if (batch.status) {
      const accountId = statusTargets[batch.status.account % statusTargets.length]!;
      await world.changeStatus(accountId, batch.status.suspend ? 'suspended' : 'active');
      if (batch.status.suspend) run.suspended.add(accountId);
      else run.suspended.delete(accountId);
    }
    if (batch.sweep) await world.sweepExpired();
    const messages: LedgerCommand[] = [];
    const later: LedgerCommand[] = [];
    for (const { step, copies } of batch.steps) {
      const made = await maker.make(step);
      messages.push(...made);
      const last = made.at(-1);
      if (last && copies === 'sameMessage') later.push(last);
      if (last && copies === 'newMessage') later.push(maker.resent(last));
    }
    messages.push(...later);
    if (messages.length > 0) await world.sendLedger(messages);
    run.delivered.push(...messages);
    run.record(await world.newOutcomes());
    const violations = [
      ...checkAnswers(run),
      ...(await checkRefusalsAndHolds(knex, run)),
      ...(await checkOwnersReach(knex, run)),
      ...checkFrozen(run, new Set([...run.suspended, accounts.suspendedPayout])),
      ...(await checkDatabase(knex, run)),
    ];
    if (violations.length > 0) throw new Error(`after batch ${i + 1}:\n${violations.join('\n')}`);
  }
  await countReached(run);
}

describe('the ledger over its real handlers and database', () => {
  it('keeps every rule through random batches with duplicates, resends, sweeps and status changes', async () => {
    await fc.assert(
      fc.asyncProperty(runArb, (spec) => play(spec)),
      { numRuns: NUM_RUNS, seed: SEED, path: PATH, endOnFailure: false },
    );
    // The property means something only if the runs reached what it is about.
    if (NUM_RUNS >= 10) {
      for (const seen of [
        'EntryPosted',
        'HoldCaptured',
        'HoldReleased',
        'expired',
        'refused resend',
        'owed hold',
      ])
        expect(tally.get(seen) ?? 0, seen).toBeGreaterThan(0);
    }
  });
});

/** Counterexamples the property found, kept as plain examples. */
describe('a hold closed earlier in the same batch', () => {
  async function heldTopUp(): Promise<{ run: RunRecord; maker: CommandMaker }> {
    await world.reset();
    const run = new RunRecord(await world.openRun(2, false, [null]));
    const maker = new CommandMaker(world, run);
    const place = await maker.make({
      t: 'topup',
      actor: 'admin',
      source: 'bank',
      to: 0,
      minor: 10_000n,
      hold: true,
    });
    await world.sendLedger(place);
    run.delivered.push(...place);
    run.record(await world.newOutcomes());
    expect(run.answerOf(place[0]!)?.type).toBe('HoldPlaced');
    return { run, maker };
  }

  async function sendAndCheck(run: RunRecord, batch: LedgerCommand[]): Promise<void> {
    await world.sendLedger(batch);
    run.delivered.push(...batch);
    run.record(await world.newOutcomes());
    expect([...checkAnswers(run), ...(await checkDatabase(knex, run))]).toEqual([]);
  }

  it('answers a second release in the batch with the first release, instead of releasing it again', async () => {
    const { run, maker } = await heldTopUp();
    const [release] = await maker.make({ t: 'release', hold: 0, anyHold: false, actor: 'placer' });
    await sendAndCheck(run, [release!, maker.resent(release!)]);
    expect(run.delivered.slice(-2).map((c) => run.answerOf(c)?.type)).toEqual([
      'HoldReleased',
      'HoldReleased',
    ]);
  });

  it('refuses a capture after a release in the same batch', async () => {
    const { run, maker } = await heldTopUp();
    const [release] = await maker.make({ t: 'release', hold: 0, anyHold: false, actor: 'placer' });
    const [capture] = await maker.make({
      t: 'capture',
      hold: 0,
      anyHold: false,
      actor: 'placer',
      attempt: 0,
      credit: 'stored',
      part: 'full',
    });
    await sendAndCheck(run, [release!, capture!]);
    expect(run.answerOf(capture!)?.data).toMatchObject({ code: 'HOLD.CLOSED' });
  });
});
