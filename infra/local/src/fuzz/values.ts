import { formatMinorUnits } from '@billing/contracts/money';
import fc from 'fast-check';
import type { ApiSpec, JsonSchema } from './spec';
import type { Credential, World } from './world';

/**
 * Valid values derived from the document's schemas. Most fields come straight from their schema (enums,
 * patterns, lengths, bounds); the fields that name something (accounts, payments), carry money or an
 * idempotency key get values that make sense in the fuzzer's world, so that valid requests mostly reach
 * the ledger instead of stopping at a not-found.
 */

export interface ValueContext {
  spec: ApiSpec;
  world: World;
  who: Credential | null;
}

const ACCOUNT_FIELDS = new Set([
  'sourceAccountId',
  'destinationAccountId',
  'customerAccountId',
  'merchantAccountId',
  'accountId',
]);

/** Ids of the caller's own accounts, of other owners' accounts, and of accounts nobody has. */
export function accountIdArb(ctx: ValueContext, type?: 'USER' | 'EXTERNAL'): fc.Arbitrary<string> {
  const fitting = ctx.world.accounts.filter((a) => type === undefined || a.type === type);
  const own = fitting.filter((a) => ctx.who?.ownerId === undefined || a.owner === ctx.who.ownerId);
  const others = fitting.filter((a) => ctx.who?.ownerId !== undefined && a.owner !== ctx.who.ownerId);
  const choices: fc.WeightedArbitrary<string>[] = [{ arbitrary: fc.uuid({ version: [4, 7] }), weight: 1 }];
  if (own.length > 0) choices.push({ arbitrary: fc.constantFrom(...own.map((a) => a.id)), weight: 12 });
  if (others.length > 0) choices.push({ arbitrary: fc.constantFrom(...others.map((a) => a.id)), weight: 2 });
  return fc.oneof(...choices);
}

/** Ids of the caller's transactions, of others', and unknown ones. */
export function transactionIdArb(ctx: ValueContext, paymentsOnly = false): fc.Arbitrary<string> {
  const all = paymentsOnly ? ctx.world.payments : ctx.world.transactions;
  const mine = all.filter((t) => t.owner === (ctx.who?.name ?? ''));
  const choices: fc.WeightedArbitrary<string>[] = [{ arbitrary: fc.uuid({ version: [4, 5, 7] }), weight: 1 }];
  if (mine.length > 0) choices.push({ arbitrary: fc.constantFrom(...mine.map((t) => t.id)), weight: 6 });
  if (all.length > 0) choices.push({ arbitrary: fc.constantFrom(...all.map((t) => t.id)), weight: 3 });
  return fc.oneof(...choices);
}

/** `minor` hundredths (whole units for a currency without decimals), written exactly. */
function fuzzAmount(minor: number, scale: number): string {
  return formatMinorUnits(BigInt(minor), Math.min(scale, 2));
}

/** A valid amount for a currency's scale: small, so that the funded accounts last the whole run. */
export function amountArb(scale: number): fc.Arbitrary<string> {
  return fc
    .oneof(
      { arbitrary: fc.integer({ min: 1, max: 500 }), weight: 8 },
      { arbitrary: fc.constantFrom(1, 10, 100), weight: 1 },
    )
    .map((minor) => fuzzAmount(minor, scale));
}

/** An idempotency key unique to this run (the run id keeps runs with one seed apart). */
export function freshKeyArb(world: World): fc.Arbitrary<string> {
  return KEY_SUFFIX.map((s) => `fz-${world.run}-${s}`);
}

/**
 * Building a pattern's arbitrary parses the regular expression, which costs far more than drawing from
 * it: each pattern's is built once.
 */
const PATTERNS = new Map<string, fc.Arbitrary<string>>();
export function patternArb(pattern: string): fc.Arbitrary<string> {
  let arb = PATTERNS.get(pattern);
  if (!arb) {
    arb = fc.stringMatching(new RegExp(pattern));
    PATTERNS.set(pattern, arb);
  }
  return arb;
}
const KEY_SUFFIX = patternArb('^[a-z0-9]{16}$');

function fieldArb(name: string, ctx: ValueContext): fc.Arbitrary<unknown> | undefined {
  if (ACCOUNT_FIELDS.has(name)) return accountIdArb(ctx);
  if (name === 'originalPaymentId') return transactionIdArb(ctx, true);
  if (name === 'transactionId') return transactionIdArb(ctx);
  if (name === 'amount') return amountArb(2);
  if (name === 'currency') return fc.oneof({ arbitrary: fc.constant('USD'), weight: 9 }, fc.constant('EUR'));
  if (name === 'idempotencyKey') return freshKeyArb(ctx.world);
  if (name === 'ownerId' && ctx.who?.ownerId !== undefined) return fc.constant(ctx.who.ownerId);
  if (name === 'cursor') return patternArb('^[A-Za-z0-9_-]{1,40}$');
  return undefined;
}

const DAY_MS = 86_400_000;

function stringArb(schema: JsonSchema): fc.Arbitrary<string> {
  const now = Date.UTC(2026, 0, 1);
  if (schema.format === 'date-time')
    return fc
      .integer({ min: now - 3650 * DAY_MS, max: now + 3650 * DAY_MS })
      .map((t) => new Date(t).toISOString());
  if (schema.format === 'date')
    return fc
      .integer({ min: now - 3650 * DAY_MS, max: now + 3650 * DAY_MS })
      .map((t) => new Date(t).toISOString().slice(0, 10));
  if (typeof schema.pattern === 'string') return patternArb(schema.pattern);
  return fc.string({
    minLength: typeof schema.minLength === 'number' ? schema.minLength : 0,
    maxLength: Math.min(typeof schema.maxLength === 'number' ? schema.maxLength : 40, 40),
  });
}

function objectArb(schema: JsonSchema, ctx: ValueContext): fc.Arbitrary<Record<string, unknown>> {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  if (Object.keys(properties).length === 0 && typeof schema.additionalProperties === 'object') {
    return fc.dictionary(
      patternArb('^[a-z][a-z0-9_]{0,15}$'),
      valueArb(schema.additionalProperties as JsonSchema, ctx),
      { maxKeys: 3 },
    ) as fc.Arbitrary<Record<string, unknown>>;
  }
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, property] of Object.entries(properties)) model[name] = valueArb(property, ctx, name);
  return fc.record(model, { requiredKeys: [...required] }) as fc.Arbitrary<Record<string, unknown>>;
}

/** A value valid for the schema; `name` is the field it is for, which may pick a world-aware value. */
export function valueArb(schema: JsonSchema, ctx: ValueContext, name?: string): fc.Arbitrary<unknown> {
  const byName = name === undefined ? undefined : fieldArb(name, ctx);
  if (byName) return byName;
  const s = ctx.spec.resolve(schema);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.anyOf)) return fc.oneof(...(s.anyOf as JsonSchema[]).map((x) => valueArb(x, ctx)));
  if (Array.isArray(s.oneOf)) return fc.oneof(...(s.oneOf as JsonSchema[]).map((x) => valueArb(x, ctx)));
  switch (s.type) {
    case 'string':
      return stringArb(s);
    case 'integer':
      return fc.integer({
        min: typeof s.minimum === 'number' ? s.minimum : -1000,
        max: typeof s.maximum === 'number' ? s.maximum : 1000,
      });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(valueArb((s.items ?? {}) as JsonSchema, ctx), { maxLength: 3 });
    case 'object':
      return objectArb(s, ctx);
    default:
      return fc.jsonValue({ maxDepth: 1 });
  }
}

/**
 * Makes a schema-valid body a plausible one: the amount's scale and the currency follow the first
 * account named, a top-up names exactly one of funding (owners) and an EXTERNAL source (admins, mostly),
 * and a withdrawal pays into an EXTERNAL account.
 */
export function shapeBody(
  operationId: string,
  body: Record<string, unknown>,
  ctx: ValueContext,
  pick: { bank: number; minor: number },
): Record<string, unknown> {
  const shaped = { ...body };
  const accountId = [shaped.sourceAccountId, shaped.customerAccountId, shaped.accountId].find(
    (v) => typeof v === 'string',
  );
  let account = ctx.world.accounts.find((a) => a.id === accountId);
  if (operationId === 'topUp') {
    account = ctx.world.accounts.find((a) => a.id === shaped.destinationAccountId) ?? account;
    const banks = ctx.world.accounts.filter((a) => a.type === 'EXTERNAL' && a.currency === account?.currency);
    if (ctx.who?.ownerId === undefined && banks.length > 0 && pick.bank % 3 !== 0) {
      shaped.sourceAccountId = banks[pick.bank % banks.length]!.id;
      delete shaped.funding;
    } else {
      delete shaped.sourceAccountId;
      shaped.funding ??= { method: 'card', sourceReference: 'tok_visa_4242' };
    }
  }
  if (operationId === 'withdraw') {
    const banks = ctx.world.accounts.filter((a) => a.type === 'EXTERNAL');
    shaped.destinationAccountId = banks[pick.bank % banks.length]!.id;
  }
  if (account && 'currency' in shaped) {
    shaped.currency = account.currency;
    const scale = ctx.world.currencies.find((c) => c.code === account.currency)?.scale ?? 2;
    if ('amount' in shaped) shaped.amount = fuzzAmount(pick.minor, scale);
  }
  return shaped;
}
