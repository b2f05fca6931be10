import fc from 'fast-check';
import { HOLD_TTL_MAX_MS } from '@billing/contracts/messages/holds';
import type { ActorPick, CreditPick, StepSpec } from './ledger-property-commands';

/**
 * What fast-check generates for the ledger's property test over its real handlers: a run is a set of
 * accounts and 5-10 batches of 1-6 steps, each step a command by a random actor, sometimes sent twice.
 * Weights favour commands that can succeed (an owner acting on its own account, a valid payout account),
 * so refusals and their resends meet a ledger with money in it.
 */

const MINUTE_MS = 60_000;

export interface BatchSpec {
  /** Admin status change before the batch: an account of the run suspended, reactivated or closed. */
  status: { account: number; to: 'active' | 'suspended' | 'closed' } | null;
  /** How far the clock moves before the batch, and whether the expiry sweep runs before it or with it. */
  jumpMs: number;
  sweep: 'no' | 'before' | 'during';
  /** Over two partitions, the batch is two batches by key, handled at the same time by two consumers. */
  partitions: 1 | 2;
  steps: { step: StepSpec; copies: 'one' | 'sameMessage' | 'newMessage' }[];
}

export interface RunSpec {
  owners: number;
  jpy: boolean;
  maxBalanceMinor: (bigint | null)[];
  /** What an admin tops each USER account up with before the first batch (0: nothing). */
  fundedMinor: bigint[];
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
      actor: fc.oneof(actorArb, fc.constant<ActorPick>('self')),
      from: idx,
      credit: fc.oneof(
        { weight: 6, arbitrary: fc.constant<CreditPick>('payout') },
        {
          weight: 5,
          arbitrary: fc.constantFrom<CreditPick>('none', 'user', 'otherCurrency', 'inactive', 'missing'),
        },
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
    {
      weight: 1,
      arbitrary: fc.record({
        account: idx,
        to: fc.constantFrom('active' as const, 'active' as const, 'suspended' as const, 'closed' as const),
      }),
    },
  ),
  jumpMs: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 90 * MINUTE_MS })),
  sweep: fc.constantFrom('no' as const, 'before' as const, 'during' as const),
  partitions: fc.constantFrom(1 as const, 2 as const),
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

export const runArb: fc.Arbitrary<RunSpec> = fc.record({
  owners: fc.integer({ min: 2, max: 3 }),
  jpy: fc.boolean(),
  maxBalanceMinor: fc.array(fc.option(fc.bigInt(50_000n, 1_000_000n), { freq: 3 }), {
    minLength: 1,
    maxLength: 4,
  }),
  fundedMinor: fc.array(fc.oneof(fc.constant(0n), fc.bigInt(1n, 300_000n)), { minLength: 4, maxLength: 4 }),
  batches: fc.array(batchArb, { minLength: 5, maxLength: 10 }),
});
