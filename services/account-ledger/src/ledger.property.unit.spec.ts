import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Actor } from '@billing/contracts/envelope';
import type { AccountStatus } from '@billing/contracts/messages/accounts';
import type { TransactionType } from '@billing/contracts/messages/ledger';
import { HOLD_TTL_MAX_MS } from '@billing/contracts/messages/holds';
import { formatMinorUnits } from '@billing/contracts/money';
import { admin, currencies, owner } from '../test/builders';
import {
  apply,
  emptyModel,
  snapshot,
  type LedgerModel,
  type ModelCommand,
  type StepResult,
} from '../test/ledger-model';
import { availableMinor, type Account } from './accounts/account';
import { decideCaptureHold } from './holds/holds.decide';
import { FUNDING_ROLE, MOVEMENT_RULES } from '@billing/contracts/policy';

/**
 * Property-based tests of the ledger's pure decisions, driven through an in-memory model that stores
 * their outcomes exactly as the message handlers do (test/ledger-model.ts). Random sequences of
 * commands over a handful of accounts in USD (scale 2) and, sometimes, JPY (scale 0); after every step
 * the ledger's invariants must hold.
 */

const NUM_RUNS = 200;
const START_MS = Date.parse('2026-01-01T00:00:00.000Z');
const HOUR_MS = 3_600_000;

type Currency = 'USD' | 'JPY';
type OwnerName = 'alice' | 'bob' | 'carol';

// ---------------------------------------------------------------------------------------------------
// The accounts of one run
// ---------------------------------------------------------------------------------------------------

interface UserSpec {
  jpy: boolean;
  owner: OwnerName;
  /** 'default' keeps the minimum of 0 a USER account opens with; a bigint is an overdraft (<= 0). */
  min: bigint | null | 'default';
  max: bigint | null;
}

interface Universe {
  currencies: Currency[];
  users: { id: string; currency: Currency; spec: UserSpec }[];
  externals: string[];
  systems: string[];
  all: string[];
}

const userSpecArb: fc.Arbitrary<UserSpec> = fc.record({
  jpy: fc.boolean(),
  owner: fc.constantFrom<OwnerName>('alice', 'bob', 'carol'),
  min: fc.oneof(
    { arbitrary: fc.constant<'default'>('default'), weight: 3 },
    { arbitrary: fc.bigInt(-20_000n, 0n), weight: 2 },
    { arbitrary: fc.constant(null), weight: 1 },
  ),
  max: fc.option(fc.bigInt(0n, 80_000n), { freq: 2 }),
});

const universeArb: fc.Arbitrary<{ twoCurrencies: boolean; users: UserSpec[] }> = fc.record({
  twoCurrencies: fc.boolean(),
  users: fc.array(userSpecArb, { minLength: 2, maxLength: 5 }),
});

function scaleOf(currency: string): number {
  return currencies.get(currency)!.scale;
}

/** Opens the accounts of a run through the model and sets their limits; every step must succeed. */
function setUp(spec: { twoCurrencies: boolean; users: UserSpec[] }): {
  model: LedgerModel;
  universe: Universe;
} {
  const model = emptyModel(currencies, START_MS);
  const used: Currency[] = spec.twoCurrencies ? ['USD', 'JPY'] : ['USD'];
  const universe: Universe = { currencies: used, users: [], externals: [], systems: [], all: [] };
  const mustChange = (result: StepResult): void => {
    expect(result.outcome).toBe('changed');
  };
  for (const currency of used) {
    const lower = currency.toLowerCase();
    // A bank's EXTERNAL account, which only admins may top up from, and the funding provider's, which
    // owners' top-ups are collected through.
    for (const [type, id, ownerId, metadata] of [
      ['EXTERNAL', `ext-${lower}`, 'bank', {}],
      ['EXTERNAL', `fund-${lower}`, 'funding-provider', { role: FUNDING_ROLE }],
      ['SYSTEM', `sys-${lower}`, 'platform', {}],
    ] as const) {
      mustChange(
        apply(model, {
          kind: 'open',
          command: { accountId: id, ownerId, ownerType: ownerId, type, currency, metadata, actor: admin },
        }),
      );
      (type === 'EXTERNAL' ? universe.externals : universe.systems).push(id);
    }
  }
  spec.users.forEach((user, i) => {
    const currency: Currency = spec.twoCurrencies && user.jpy ? 'JPY' : 'USD';
    const id = `u${i}-${currency.toLowerCase()}-${user.owner}`;
    // Users open their own accounts.
    mustChange(
      apply(model, {
        kind: 'open',
        command: {
          accountId: id,
          ownerId: user.owner,
          ownerType: 'user',
          type: 'USER',
          currency,
          metadata: {},
          actor: owner(user.owner),
        },
      }),
    );
    if (user.min !== 'default' || user.max !== null) {
      const scale = scaleOf(currency);
      const min = user.min === 'default' ? 0n : user.min;
      mustChange(
        apply(model, {
          kind: 'setLimits',
          accountId: id,
          minBalance: min === null ? null : formatMinorUnits(min, scale),
          maxBalance: user.max === null ? null : formatMinorUnits(user.max, scale),
          actor: admin,
        }),
      );
    }
    universe.users.push({ id, currency, spec: user });
  });
  universe.all = [...universe.externals, ...universe.systems, ...universe.users.map((u) => u.id)];
  return { model, universe };
}

// ---------------------------------------------------------------------------------------------------
// Commands as generated (indices and minor units), turned into model commands against the current state
// ---------------------------------------------------------------------------------------------------

interface AmountSpec {
  minor: bigint;
  variant: 'exact' | 'extraDecimal' | 'zero';
  digit: number;
}

interface LimitSpec {
  minor: bigint;
  extraDecimal: boolean;
}

/** Which hold a capture or release names: an open one mostly, sometimes any, rarely one never placed. */
type WhichHold = 'open' | 'any' | 'missing';

type Step =
  | { t: 'topup'; user: number; other: number; mismatch: boolean; amount: AmountSpec; actor: Actor }
  | { t: 'transfer'; user: number; other: number; mismatch: boolean; amount: AmountSpec; actor: Actor }
  | { t: 'withdrawal'; user: number; other: number; mismatch: boolean; amount: AmountSpec; actor: Actor }
  | { t: 'payment'; user: number; other: number; mismatch: boolean; amount: AmountSpec; actor: Actor }
  | {
      t: 'raw';
      type: TransactionType;
      debit: number;
      credit: number;
      amount: AmountSpec;
      creditAmount: AmountSpec | null;
      actor: Actor;
    }
  | {
      t: 'place';
      hold: number;
      account: number;
      anyAccount: boolean;
      /** The account the capture must credit, when the hold names one. */
      credit: number | null;
      mismatch: boolean;
      type: TransactionType;
      amount: AmountSpec;
      expiry: 'ok' | 'past' | 'tooLong';
      ttlMs: number;
      actor: Actor;
    }
  | {
      t: 'capture';
      hold: number;
      which: WhichHold;
      credit: number;
      mismatch: boolean;
      part: bigint | null;
      actor: Actor;
    }
  | { t: 'release'; hold: number; which: WhichHold; actor: Actor }
  | { t: 'sweep' }
  | { t: 'tick'; ms: number }
  | { t: 'reverse'; entry: number; actor: Actor }
  | { t: 'status'; account: number; status: AccountStatus; actor: Actor }
  | { t: 'limits'; account: number; min: LimitSpec | null; max: LimitSpec | null; actor: Actor };

const rarely = (): fc.Arbitrary<boolean> =>
  fc.oneof({ arbitrary: fc.constant(false), weight: 9 }, { arbitrary: fc.constant(true), weight: 1 });

const whichHoldArb: fc.Arbitrary<WhichHold> = fc.oneof(
  { arbitrary: fc.constant<WhichHold>('open'), weight: 8 },
  { arbitrary: fc.constant<WhichHold>('any'), weight: 2 },
  { arbitrary: fc.constant<WhichHold>('missing'), weight: 1 },
);

const minorArb = fc.oneof(fc.bigInt(1n, 100n), fc.bigInt(1n, 5_000n), fc.bigInt(1n, 60_000n));

const amountArb: fc.Arbitrary<AmountSpec> = fc.record({
  minor: minorArb,
  variant: fc.oneof(
    { arbitrary: fc.constant<'exact'>('exact'), weight: 36 },
    { arbitrary: fc.constant<'extraDecimal'>('extraDecimal'), weight: 2 },
    { arbitrary: fc.constant<'zero'>('zero'), weight: 1 },
  ),
  digit: fc.integer({ min: 0, max: 9 }),
});

/** Mostly an admin; sometimes the system, or an owner who may or may not own the account. */
const actorArb: fc.Arbitrary<Actor> = fc.oneof(
  { arbitrary: fc.constant(admin), weight: 14 },
  { arbitrary: fc.constant<Actor>({ kind: 'system', id: 'billing-platform' }), weight: 2 },
  {
    arbitrary: fc.constantFrom('alice', 'bob', 'carol', 'mallory').map((id) => owner(id)),
    weight: 4,
  },
);

const limitArb = (min: bigint, max: bigint): fc.Arbitrary<LimitSpec | null> =>
  fc.option(fc.record({ minor: fc.bigInt(min, max), extraDecimal: rarely() }), { freq: 3 });

const holdTypes: readonly TransactionType[] = ['payment', 'withdrawal', 'transfer', 'bill_payment', 'topup'];
const allTypes: readonly TransactionType[] = [
  'topup',
  'withdrawal',
  'transfer',
  'payment',
  'refund',
  'bill_payment',
];

function stepArb(holdTypeChoices: readonly TransactionType[]): fc.Arbitrary<Step> {
  const idx = fc.nat({ max: 20 });
  const movement = <T extends 'topup' | 'transfer' | 'withdrawal' | 'payment'>(t: T) =>
    fc.record({
      t: fc.constant(t),
      user: idx,
      other: idx,
      mismatch: rarely(),
      amount: amountArb,
      actor: actorArb,
    });
  return fc.oneof(
    { arbitrary: movement('topup'), weight: 6 },
    { arbitrary: movement('transfer'), weight: 4 },
    { arbitrary: movement('withdrawal'), weight: 3 },
    { arbitrary: movement('payment'), weight: 3 },
    {
      arbitrary: fc.record({
        t: fc.constant('raw' as const),
        type: fc.constantFrom(...allTypes),
        debit: idx,
        credit: idx,
        amount: amountArb,
        creditAmount: fc.option(amountArb, { freq: 4 }),
        actor: actorArb,
      }),
      weight: 1,
    },
    {
      arbitrary: fc.record({
        t: fc.constant('place' as const),
        hold: fc.nat({ max: 11 }),
        account: idx,
        anyAccount: rarely(),
        credit: fc.option(idx, { freq: 2 }),
        mismatch: rarely(),
        type: fc.constantFrom(...holdTypeChoices),
        amount: amountArb,
        expiry: fc.oneof(
          { arbitrary: fc.constant<'ok'>('ok'), weight: 8 },
          { arbitrary: fc.constant<'past'>('past'), weight: 1 },
          { arbitrary: fc.constant<'tooLong'>('tooLong'), weight: 1 },
        ),
        ttlMs: fc.integer({ min: 1, max: HOLD_TTL_MAX_MS }),
        actor: actorArb,
      }),
      weight: 6,
    },
    {
      arbitrary: fc.record({
        t: fc.constant('capture' as const),
        hold: fc.nat({ max: 20 }),
        which: whichHoldArb,
        credit: idx,
        mismatch: rarely(),
        part: fc.option(fc.bigInt(0n, 1_000_000n), { freq: 2 }),
        actor: actorArb,
      }),
      weight: 5,
    },
    {
      arbitrary: fc.record({
        t: fc.constant('release' as const),
        hold: fc.nat({ max: 20 }),
        which: whichHoldArb,
        actor: actorArb,
      }),
      weight: 2,
    },
    { arbitrary: fc.constant<Step>({ t: 'sweep' }), weight: 1 },
    {
      arbitrary: fc.record({
        t: fc.constant('tick' as const),
        ms: fc.integer({ min: 0, max: 72 * HOUR_MS }),
      }),
      weight: 1,
    },
    {
      arbitrary: fc.record({
        t: fc.constant('reverse' as const),
        entry: fc.nat({ max: 100 }),
        actor: actorArb,
      }),
      weight: 3,
    },
    {
      arbitrary: fc.record({
        t: fc.constant('status' as const),
        account: idx,
        status: fc.constantFrom<AccountStatus>('active', 'active', 'suspended', 'closed'),
        actor: actorArb,
      }),
      weight: 1,
    },
    {
      arbitrary: fc.record({
        t: fc.constant('limits' as const),
        account: idx,
        min: limitArb(-30_000n, 5_000n),
        max: limitArb(0n, 120_000n),
        actor: actorArb,
      }),
      weight: 1,
    },
  );
}

function formatAmount(amount: AmountSpec, currency: string): string {
  const scale = scaleOf(currency);
  if (amount.variant === 'zero') return formatMinorUnits(0n, scale);
  const exact = formatMinorUnits(amount.minor, scale);
  if (amount.variant === 'exact') return exact;
  // One decimal more than the currency has: refused, never rounded.
  return `${exact}${scale === 0 ? '.' : ''}${amount.digit}`;
}

function formatLimit(limit: LimitSpec | null, currency: string): string | null {
  if (limit === null) return null;
  const scale = scaleOf(currency);
  const exact = formatMinorUnits(limit.minor, scale);
  return limit.extraDecimal ? `${exact}${scale === 0 ? '.' : ''}5` : exact;
}

function pick<T>(list: readonly T[], i: number): T {
  return list[i % list.length]!;
}

function twoLegs(
  transactionType: TransactionType,
  currency: string,
  debit: string,
  credit: string,
  amount: string,
  actor: Actor,
  creditAmount: string = amount,
): ModelCommand {
  return {
    kind: 'post',
    command: {
      transactionType,
      currency,
      actor,
      postings: [
        { accountId: debit, side: 'debit', amount },
        { accountId: credit, side: 'credit', amount: creditAmount },
      ],
    },
  };
}

function toCommand(step: Step, model: LedgerModel, universe: Universe): ModelCommand {
  const currencyOf = (id: string): string => model.accounts.get(id)!.currency;
  const sameCurrency = (ids: readonly string[], currency: string, mismatch: boolean): string[] => {
    const matching = ids.filter((id) => currencyOf(id) === currency);
    return mismatch || matching.length === 0 ? [...ids] : matching;
  };
  const holdId = (n: number): string => `h${n}`;
  /** Accounts a capture of the hold may credit: same currency, a type the hold's type allows, not its own. */
  const creditable = (hold: { accountId: string; currency: string; transactionType: TransactionType }) => {
    const ids = universe.all.filter((id) => {
      const a = model.accounts.get(id)!;
      return (
        id !== hold.accountId &&
        a.currency === hold.currency &&
        MOVEMENT_RULES[hold.transactionType].credit.includes(a.type)
      );
    });
    return ids.length > 0 ? ids : universe.all;
  };
  const existingHold = (n: number, which: WhichHold): string => {
    const holds = [...model.holds.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    const open = holds.filter((h) => h.status === 'open');
    const pool = which === 'open' && open.length > 0 ? open : holds;
    return which === 'missing' || pool.length === 0 ? 'h-missing' : pick(pool, n).id;
  };
  switch (step.t) {
    case 'topup':
    case 'transfer':
    case 'withdrawal':
    case 'payment': {
      const user = pick(universe.users, step.user);
      const pool =
        step.t === 'topup' || step.t === 'withdrawal'
          ? universe.externals
          : step.t === 'payment'
            ? universe.systems
            : universe.users.map((u) => u.id);
      const other = pick(sameCurrency(pool, user.currency, step.mismatch), step.other);
      const amount = formatAmount(step.amount, user.currency);
      return step.t === 'topup'
        ? twoLegs('topup', user.currency, other, user.id, amount, step.actor)
        : twoLegs(step.t, user.currency, user.id, other, amount, step.actor);
    }
    case 'raw': {
      const debit = pick(universe.all, step.debit);
      const credit = pick(universe.all, step.credit);
      const currency = currencyOf(debit);
      const amount = formatAmount(step.amount, currency);
      const creditAmount = step.creditAmount === null ? amount : formatAmount(step.creditAmount, currency);
      return twoLegs(step.type, currency, debit, credit, amount, step.actor, creditAmount);
    }
    case 'place': {
      // A top-up holds on an EXTERNAL account (the funding provider's, for an owner); the rest on users.
      const accountId = step.anyAccount
        ? pick(universe.all, step.account)
        : step.type === 'topup'
          ? pick(universe.externals, step.account)
          : pick(universe.users, step.account).id;
      const currency = currencyOf(accountId);
      const target = { accountId, currency, transactionType: step.type };
      const creditAccountId =
        step.credit === null ? null : pick(step.mismatch ? universe.all : creditable(target), step.credit);
      const offset =
        step.expiry === 'ok'
          ? step.ttlMs
          : step.expiry === 'past'
            ? -step.ttlMs + 1
            : HOLD_TTL_MAX_MS + step.ttlMs;
      return {
        kind: 'placeHold',
        command: {
          holdId: holdId(step.hold),
          transactionId: `tx-${holdId(step.hold)}`,
          transactionType: step.type,
          accountId,
          amount: formatAmount(step.amount, currency),
          currency,
          expiresAt: new Date(model.nowMs + offset).toISOString(),
          creditAccountId,
          actor: step.actor,
        },
      };
    }
    case 'capture': {
      const id = existingHold(step.hold, step.which);
      const hold = model.holds.get(id);
      // A partial capture: up to two minor units more than the hold, to exercise the refusal.
      const amount =
        step.part === null || hold === undefined
          ? null
          : formatMinorUnits(1n + (step.part % (hold.amountMinor + 2n)), scaleOf(hold.currency));
      return {
        kind: 'captureHold',
        command: {
          holdId: id,
          // Mostly the account the hold was placed for; a mismatch names any other.
          creditAccountId:
            hold?.creditAccountId && !step.mismatch
              ? hold.creditAccountId
              : pick(hold === undefined || step.mismatch ? universe.all : creditable(hold), step.credit),
          amount,
          actor: step.actor,
        },
      };
    }
    case 'release':
      return { kind: 'releaseHold', holdId: existingHold(step.hold, step.which), actor: step.actor };
    case 'sweep':
      return { kind: 'expireHolds' };
    case 'tick':
      return { kind: 'advanceClock', ms: step.ms };
    case 'reverse': {
      const entry = model.entries.length === 0 ? undefined : pick(model.entries, step.entry);
      return { kind: 'reverse', entryId: entry?.id ?? 'e-missing', actor: step.actor };
    }
    case 'status':
      return {
        kind: 'changeStatus',
        accountId: pick(universe.all, step.account),
        status: step.status,
        actor: step.actor,
      };
    case 'limits': {
      const accountId = pick(universe.all, step.account);
      const currency = currencyOf(accountId);
      return {
        kind: 'setLimits',
        accountId,
        minBalance: formatLimit(step.min, currency),
        maxBalance: formatLimit(step.max, currency),
        actor: step.actor,
      };
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Invariants
// ---------------------------------------------------------------------------------------------------

function signed(side: 'debit' | 'credit', amount: bigint): bigint {
  return side === 'credit' ? amount : -amount;
}

/** A cheap assertion for the hot loops (an `expect` per posting per step would dominate the run time). */
function ensure(condition: boolean, message: () => string): void {
  if (!condition) throw new Error(`invariant broken: ${message()}`);
}

/** What must hold of any reachable state, whatever the history. */
function checkState(model: LedgerModel): void {
  // Per currency, money is neither created nor destroyed.
  const sums = new Map<string, bigint>();
  for (const a of model.accounts.values())
    sums.set(a.currency, (sums.get(a.currency) ?? 0n) + a.balanceMinor);
  for (const [currency, sum] of sums) ensure(sum === 0n, () => `${currency} balances sum to ${sum}`);

  // Every entry balances, in the entry's currency; balances after are the running sums of postings.
  const fromPostings = new Map<string, bigint>();
  const reversedBy = new Map<string, string>();
  for (const entry of model.entries) {
    let debits = 0n;
    let credits = 0n;
    for (const p of entry.postings) {
      const account = model.accounts.get(p.accountId)!;
      ensure(p.amountMinor > 0n, () => `${entry.id} posts ${p.amountMinor} to ${p.accountId}`);
      ensure(
        account.currency === entry.currency,
        () => `${entry.id} in ${entry.currency} posts to ${account.id}`,
      );
      if (p.side === 'debit') debits += p.amountMinor;
      else credits += p.amountMinor;
      const running = (fromPostings.get(p.accountId) ?? 0n) + signed(p.side, p.amountMinor);
      fromPostings.set(p.accountId, running);
      ensure(
        p.balanceAfterMinor === running,
        () =>
          `${entry.id}: balance after of ${p.accountId} is ${p.balanceAfterMinor}, postings sum to ${running}`,
      );
      if (entry.source === 'post') {
        // PostEntry enforces the type rules itself (captures and reversals are checked elsewhere).
        ensure(
          MOVEMENT_RULES[entry.transactionType][p.side].includes(account.type),
          () => `${entry.id}: a ${entry.transactionType} ${p.side}s ${account.type} account ${account.id}`,
        );
      }
    }
    ensure(debits === credits, () => `${entry.id} debits ${debits}, credits ${credits}`);
    ensure(debits > 0n, () => `${entry.id} moves nothing`);
    if (entry.reversesEntryId !== null) {
      const target = entry.reversesEntryId;
      ensure(
        !reversedBy.has(target),
        () => `${target} reversed by ${reversedBy.get(target)} and ${entry.id}`,
      );
      reversedBy.set(target, entry.id);
      const original = model.entries.find((e) => e.id === target)!;
      // The mirror image: the same accounts and amounts, sides swapped.
      expect(entry.postings.map((p) => [p.accountId, p.side, p.amountMinor])).toEqual(
        original.postings.map((p) => [p.accountId, p.side === 'debit' ? 'credit' : 'debit', p.amountMinor]),
      );
    }
  }
  for (const entry of model.entries) {
    const expected = reversedBy.get(entry.id) ?? null;
    ensure(
      entry.reversedBy === expected,
      () => `${entry.id} reversedBy ${entry.reversedBy}, not ${expected}`,
    );
  }

  const openHeld = new Map<string, bigint>();
  for (const h of model.holds.values()) {
    ensure(h.amountMinor > 0n, () => `hold ${h.id} of ${h.amountMinor}`);
    ensure(model.accounts.get(h.accountId)!.currency === h.currency, () => `hold ${h.id} currency`);
    if (h.status === 'open') openHeld.set(h.accountId, (openHeld.get(h.accountId) ?? 0n) + h.amountMinor);
    if (h.status === 'captured') {
      ensure(
        h.capturedMinor > 0n && h.capturedMinor <= h.amountMinor,
        () => `hold ${h.id} captured ${h.capturedMinor}`,
      );
      ensure(h.entryId !== null, () => `captured hold ${h.id} has no entry`);
    } else {
      ensure(h.capturedMinor === 0n, () => `${h.status} hold ${h.id} captured ${h.capturedMinor}`);
    }
  }

  for (const a of model.accounts.values()) {
    const posted = fromPostings.get(a.id) ?? 0n;
    const held = openHeld.get(a.id) ?? 0n;
    ensure(a.balanceMinor === posted, () => `${a.id}: balance ${a.balanceMinor}, postings sum to ${posted}`);
    ensure(a.heldMinor === held, () => `${a.id}: held ${a.heldMinor}, open holds sum to ${held}`);
    ensure(a.heldMinor >= 0n, () => `${a.id}: held ${a.heldMinor}`);
    ensure(
      a.minBalanceMinor === null || availableMinor(a) >= a.minBalanceMinor,
      () => `${a.id}: available ${availableMinor(a)} below minimum ${a.minBalanceMinor}`,
    );
    ensure(
      a.maxBalanceMinor === null || a.balanceMinor <= a.maxBalanceMinor,
      () => `${a.id}: balance ${a.balanceMinor} above maximum ${a.maxBalanceMinor}`,
    );
    ensure(
      a.status !== 'closed' || (a.balanceMinor === 0n && a.heldMinor === 0n),
      () => `closed ${a.id} has balance ${a.balanceMinor}, held ${a.heldMinor}`,
    );
    // The event stream of the account: versions 1, 2, 3, ... with the account at the last one.
    const stream = model.streams.get(a.id) ?? [];
    ensure(
      stream.length === a.version && stream.every((v, i) => v === i + 1),
      () => `${a.id} at version ${a.version} has stream [${stream.join(', ')}]`,
    );
  }
}

/** What must hold of one step, comparing the state before and after it. */
function checkStep(before: LedgerModel, after: LedgerModel, result: StepResult): void {
  // Once a capture was requested, a hold is captured or stays open: nothing releases it any more.
  for (const [id, h] of before.holds) {
    if (h.status !== 'open' || h.captureRequestedAt === null) continue;
    const now = after.holds.get(id)!;
    expect(['open', 'captured'], `hold ${id} with a capture requested`).toContain(now.status);
    expect(now.captureRequestedAt).toBe(h.captureRequestedAt);
  }
  if (result.outcome !== 'changed') {
    // A refusal (or a replay) changes nothing at all: the decide functions do not mutate their inputs.
    // A refused capture only records, on its open hold, that the capture was requested.
    const pinned = result.outcome === 'rejected' ? result.pinnedHold : undefined;
    if (pinned !== undefined) {
      const was = before.holds.get(pinned)!;
      expect(was.status).toBe('open');
      expect(after.holds.get(pinned)).toEqual({
        ...was,
        captureRequestedAt: was.captureRequestedAt ?? new Date(after.nowMs).toISOString(),
      });
    }
    expect(after.accounts).toEqual(before.accounts);
    expect(new Map([...after.holds].filter(([id]) => id !== pinned))).toEqual(
      new Map([...before.holds].filter(([id]) => id !== pinned)),
    );
    expect(after.entries).toEqual(before.entries);
    expect(after.streams).toEqual(before.streams);
    return;
  }
  expect(result.touched.size).toBeGreaterThan(0);
  for (const [id, previous] of before.accounts) {
    const current = after.accounts.get(id)!;
    if (!result.touched.has(id)) {
      expect(current, `${id} was not touched`).toEqual(previous);
      continue;
    }
    // Closed is final: a closed account never changes again.
    if (previous.status === 'closed') expect(current, `closed ${id} changed`).toEqual(previous);
    const appended = (after.streams.get(id)?.length ?? 0) - (before.streams.get(id)?.length ?? 0);
    expect(current.version - previous.version, `version step of ${id}`).toBe(appended);
    expect(appended, `events appended for ${id}`).toBeGreaterThanOrEqual(1);
  }
  // Entries are immutable apart from being marked reversed once.
  before.entries.forEach((e, i) => {
    const now = after.entries[i]!;
    expect({ ...now, reversedBy: null }).toEqual({ ...e, reversedBy: null });
    if (e.reversedBy !== null) expect(now.reversedBy).toBe(e.reversedBy);
  });
  // A closed hold never changes again; an open one closes only by capture, release or expiry.
  for (const [id, h] of before.holds) {
    if (h.status !== 'open') expect(after.holds.get(id), `closed hold ${id}`).toEqual(h);
  }
}

function runSequence(spec: { twoCurrencies: boolean; users: UserSpec[] }, steps: Step[]): void {
  const { model, universe } = setUp(spec);
  checkState(model);
  for (const step of steps) {
    const command = toCommand(step, model, universe);
    const before = snapshot(model);
    const result = apply(model, command);
    checkStep(before, model, result);
    checkState(model);
  }
}

// ---------------------------------------------------------------------------------------------------
// Targeted set-ups
// ---------------------------------------------------------------------------------------------------

const PAYER = 'payer';
const PAYEE = 'payee';

/** USD accounts: EXTERNAL, SYSTEM, a payer topped up with `fundsMinor`, and a payee. */
function fundedModel(fundsMinor: bigint, payerMin: bigint, payeeMax: bigint | null = null): LedgerModel {
  const model = emptyModel(currencies, START_MS);
  const open = (accountId: string, type: Account['type'], ownerId: string): void => {
    const result = apply(model, {
      kind: 'open',
      command: { accountId, ownerId, ownerType: 'user', type, currency: 'USD', metadata: {}, actor: admin },
    });
    expect(result.outcome).toBe('changed');
  };
  open('ext-usd', 'EXTERNAL', 'bank');
  open('sys-usd', 'SYSTEM', 'platform');
  open(PAYER, 'USER', 'alice');
  open(PAYEE, 'USER', 'bob');
  const limits = (accountId: string, min: bigint, max: bigint | null): void => {
    const result = apply(model, {
      kind: 'setLimits',
      accountId,
      minBalance: formatMinorUnits(min, 2),
      maxBalance: max === null ? null : formatMinorUnits(max, 2),
      actor: admin,
    });
    expect(result.outcome).toBe('changed');
  };
  if (payerMin !== 0n) limits(PAYER, payerMin, null);
  if (payeeMax !== null) limits(PAYEE, 0n, payeeMax);
  if (fundsMinor > 0n) {
    const result = apply(
      model,
      twoLegs('topup', 'USD', 'ext-usd', PAYER, formatMinorUnits(fundsMinor, 2), admin),
    );
    expect(result.outcome).toBe('changed');
  }
  return model;
}

type DebitKind = 'withdrawal' | 'payment' | 'transfer' | 'hold';

function debitCommand(kind: DebitKind, amountMinor: bigint, n: number, model: LedgerModel): ModelCommand {
  const amount = formatMinorUnits(amountMinor, 2);
  switch (kind) {
    case 'withdrawal':
      return twoLegs('withdrawal', 'USD', PAYER, 'ext-usd', amount, admin);
    case 'payment':
      return twoLegs('payment', 'USD', PAYER, 'sys-usd', amount, admin);
    case 'transfer':
      return twoLegs('transfer', 'USD', PAYER, PAYEE, amount, owner('alice'));
    case 'hold':
      return {
        kind: 'placeHold',
        command: {
          holdId: `h${n}`,
          transactionId: `tx-${n}`,
          transactionType: 'payment',
          accountId: PAYER,
          amount,
          currency: 'USD',
          expiresAt: new Date(model.nowMs + HOUR_MS).toISOString(),
          creditAccountId: null,
          actor: admin,
        },
      };
  }
}

/**
 * Type rules for a capture: the entry a capture posts debits the held account and credits the
 * destination under the hold's transaction type, so both must be of a type that transaction type allows.
 */
const holdRouteArb = fc.record({
  type: fc.constantFrom(...allTypes),
  heldType: fc.constantFrom<Account['type']>('USER', 'EXTERNAL', 'SYSTEM'),
  creditType: fc.constantFrom<Account['type']>('USER', 'EXTERNAL', 'SYSTEM'),
  amountMinor: fc.bigInt(1n, 10_000n),
  actor: fc.constantFrom<Actor>(admin, { kind: 'system', id: 'billing-platform' }),
  namesCredit: fc.boolean(),
});

describe('ledger properties (fast-check)', () => {
  it('keeps every invariant after every step of a random command sequence', () => {
    fc.assert(
      fc.property(
        universeArb,
        fc.array(stepArb(holdTypes), { maxLength: 60, size: 'max' }),
        (spec, steps) => {
          runSequence(spec, steps);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  }, 30_000);

  it('accepts debits against a balance B with minimum 0, in any order, exactly while they fit: accepted total <= B, balance = B - accepted', () => {
    const debitArb = fc.record({
      kind: fc.constantFrom<DebitKind>('withdrawal', 'payment', 'transfer', 'hold'),
      amountMinor: fc.oneof(fc.bigInt(1n, 500n), fc.bigInt(1n, 30_000n)),
    });
    fc.assert(
      fc.property(
        fc.bigInt(0n, 100_000n),
        fc.array(debitArb, { maxLength: 30, size: 'max' }),
        (funds, debits) => {
          const model = fundedModel(funds, 0n);
          let postedMinor = 0n;
          let heldMinor = 0n;
          debits.forEach((debit, n) => {
            const remaining = funds - postedMinor - heldMinor;
            const result = apply(model, debitCommand(debit.kind, debit.amountMinor, n, model));
            if (debit.amountMinor <= remaining) {
              expect(result.outcome, `${debit.kind} of ${debit.amountMinor} with ${remaining} left`).toBe(
                'changed',
              );
              if (debit.kind === 'hold') heldMinor += debit.amountMinor;
              else postedMinor += debit.amountMinor;
            } else {
              expect(result).toMatchObject({ outcome: 'rejected', code: 'ACCOUNT.INSUFFICIENT_FUNDS' });
            }
          });
          const payer = model.accounts.get(PAYER)!;
          expect(postedMinor + heldMinor).toBeLessThanOrEqual(funds);
          expect(payer.balanceMinor).toBe(funds - postedMinor);
          expect(payer.heldMinor).toBe(heldMinor);
          expect(availableMinor(payer)).toBe(funds - postedMinor - heldMinor);
          expect(availableMinor(payer)).toBeGreaterThanOrEqual(0n);
          checkState(model);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it("capturing a hold raises the account's available balance by the uncaptured rest (0..hold amount) and frees the whole hold", () => {
    fc.assert(
      fc.property(
        fc.record({
          funds: fc.bigInt(1n, 100_000n),
          overdraft: fc.option(fc.bigInt(-50_000n, -1n), { freq: 2 }),
          otherHolds: fc.array(fc.bigInt(1n, 30_000n), { maxLength: 4 }),
          holdSeed: fc.bigInt(0n, 1n << 40n),
          capture: fc.option(fc.bigInt(0n, 1n << 40n), { freq: 3 }),
          toPayee: fc.boolean(),
          payeeMax: fc.option(fc.bigInt(0n, 120_000n), { freq: 2 }),
        }),
        (c) => {
          const model = fundedModel(c.funds, c.overdraft ?? 0n, c.payeeMax);
          c.otherHolds.forEach((amountMinor, n) => apply(model, debitCommand('hold', amountMinor, n, model)));
          const headroom = availableMinor(model.accounts.get(PAYER)!) - (c.overdraft ?? 0n);
          fc.pre(headroom >= 1n);
          const holdMinor = 1n + (c.holdSeed % headroom);
          const placed = apply(model, debitCommand('hold', holdMinor, 99, model));
          expect(placed.outcome).toBe('changed');
          // A partial capture may ask for up to two minor units more than held, which must be refused.
          const captureMinor = c.capture === null ? holdMinor : 1n + (c.capture % (holdMinor + 2n));
          const destination = c.toPayee ? PAYEE : 'sys-usd';
          const before = model.accounts.get(PAYER)!;
          const decision = decideCaptureHold(
            {
              holdId: 'h99',
              creditAccountId: destination,
              amount: c.capture === null ? null : formatMinorUnits(captureMinor, 2),
              actor: admin,
            },
            model.holds.get('h99'),
            model.accounts,
            currencies,
            model.nowMs,
          );
          const destinationBefore = model.accounts.get(destination)!;
          const overLimit =
            destinationBefore.maxBalanceMinor !== null &&
            destinationBefore.balanceMinor + captureMinor > destinationBefore.maxBalanceMinor;
          if (captureMinor > holdMinor) {
            // Refused, but the hold stays reserved for the capture that was asked for.
            expect(decision).toMatchObject({
              kind: 'refused-capture',
              rejection: { code: 'AMOUNT.INVALID' },
              hold: { status: 'open' },
            });
            return;
          }
          if (overLimit) {
            expect(decision).toMatchObject({
              kind: 'refused-capture',
              rejection: { code: 'ACCOUNT.LIMIT_EXCEEDED' },
              hold: { status: 'open' },
            });
            return;
          }
          // Funds were reserved: nothing else may refuse the capture.
          expect(decision.kind).toBe('captured');
          if (decision.kind !== 'captured') return;
          const after = decision.accounts.find((a) => a.id === PAYER)!;
          const gained = availableMinor(after) - availableMinor(before);
          expect(gained).toBeGreaterThanOrEqual(0n);
          expect(gained).toBeLessThanOrEqual(holdMinor);
          expect(gained).toBe(holdMinor - captureMinor);
          expect(decision.releasedMinor).toBe(holdMinor - captureMinor);
          expect(after.heldMinor).toBe(before.heldMinor - holdMinor);
          expect(after.balanceMinor).toBe(before.balanceMinor - captureMinor);
          expect(decision.hold).toMatchObject({ status: 'captured', capturedMinor: captureMinor });
          // And through the model, the whole ledger stays consistent.
          const step = snapshot(model);
          const result = apply(model, {
            kind: 'captureHold',
            command: {
              holdId: 'h99',
              creditAccountId: destination,
              amount: c.capture === null ? null : formatMinorUnits(captureMinor, 2),
              actor: admin,
            },
          });
          checkStep(step, model, result);
          checkState(model);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  // A hold is the debit side of its capture, so placing it already checks the type rules: no capture can
  // post an entry they forbid (fast-check once found a "withdrawal" hold on an EXTERNAL account).
  it("a capture posts only entries the type rules allow for the hold's transaction type", () => {
    fc.assert(
      fc.property(holdRouteArb, (r) => {
        const model = emptyModel(currencies, START_MS);
        const open = (accountId: string, type: Account['type']): void => {
          apply(model, {
            kind: 'open',
            command: {
              accountId,
              ownerId: 'o',
              ownerType: 'user',
              type,
              currency: 'USD',
              metadata: {},
              actor: admin,
            },
          });
        };
        open('ext-usd', 'EXTERNAL');
        open('held', r.heldType);
        open('credit', r.creditType);
        apply(model, twoLegs('topup', 'USD', 'ext-usd', 'held', formatMinorUnits(r.amountMinor, 2), admin));
        apply(model, {
          kind: 'placeHold',
          command: {
            holdId: 'h1',
            transactionId: 'tx-1',
            transactionType: r.type,
            accountId: 'held',
            amount: formatMinorUnits(r.amountMinor, 2),
            currency: 'USD',
            expiresAt: new Date(model.nowMs + HOUR_MS).toISOString(),
            creditAccountId: r.namesCredit ? 'credit' : null,
            actor: r.actor,
          },
        });
        apply(model, {
          kind: 'captureHold',
          command: { holdId: 'h1', creditAccountId: 'credit', amount: null, actor: r.actor },
        });
        for (const entry of model.entries.filter((e) => e.source === 'capture')) {
          for (const p of entry.postings) {
            const type = model.accounts.get(p.accountId)!.type;
            expect(
              MOVEMENT_RULES[entry.transactionType][p.side],
              `a ${entry.transactionType} ${p.side}s ${type}`,
            ).toContain(type);
          }
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  // The provider has paid once a capture was asked for: whatever happens next (releases, sweeps long
  // after the expiry, the account frozen and thawed), the hold ends captured or stays reserved.
  it('a hold whose capture was requested is never released, by a command or by the sweep', () => {
    const afterArb = fc.array(fc.constantFrom('release', 'sweep', 'suspend', 'activate', 'capture'), {
      maxLength: 12,
    });
    fc.assert(
      fc.property(
        fc.bigInt(1n, 10_000n),
        afterArb,
        fc.integer({ min: 0, max: 9 * HOUR_MS }),
        (amountMinor, after, tickMs) => {
          const model = fundedModel(10_000n, 0n);
          const placed = apply(model, debitCommand('hold', amountMinor, 1, model));
          expect(placed.outcome).toBe('changed');
          const status = (s: AccountStatus): ModelCommand => ({
            kind: 'changeStatus',
            accountId: PAYER,
            status: s,
            actor: admin,
          });
          const capture: ModelCommand = {
            kind: 'captureHold',
            command: { holdId: 'h1', creditAccountId: 'sys-usd', amount: null, actor: admin },
          };
          apply(model, status('suspended'));
          expect(apply(model, capture)).toMatchObject({
            outcome: 'rejected',
            code: 'ACCOUNT.INACTIVE',
            pinnedHold: 'h1',
          });
          apply(model, { kind: 'advanceClock', ms: tickMs });
          for (const step of after) {
            const before = snapshot(model);
            const command: ModelCommand =
              step === 'release'
                ? { kind: 'releaseHold', holdId: 'h1', actor: admin }
                : step === 'sweep'
                  ? { kind: 'expireHolds' }
                  : step === 'capture'
                    ? capture
                    : status(step === 'suspend' ? 'suspended' : 'active');
            const result = apply(model, command);
            checkStep(before, model, result);
            checkState(model);
            expect(['open', 'captured']).toContain(model.holds.get('h1')!.status);
          }
          const hold = model.holds.get('h1')!;
          const payer = model.accounts.get(PAYER)!;
          expect(payer.heldMinor).toBe(hold.status === 'open' ? amountMinor : 0n);
          expect(payer.balanceMinor).toBe(hold.status === 'open' ? 10_000n : 10_000n - amountMinor);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});
