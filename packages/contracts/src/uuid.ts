import { createHash, randomFillSync } from 'node:crypto';
import { z } from 'zod';

export const UuidSchema = z.uuid();

function format(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Random bytes from a pool refilled 4 KiB at a time: one call into the CSPRNG per ~400 ids instead of
 * one per id (a batch of fifty requests makes hundreds of ids). Bytes are taken once and never reused.
 */
const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let poolOffset = POOL_SIZE;

function randomInto(target: Buffer, from: number): void {
  const n = target.length - from;
  if (poolOffset + n > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  pool.copy(target, from, poolOffset, poolOffset + n);
  poolOffset += n;
}

/**
 * UUIDv7 (RFC 9562): 48 bits of Unix milliseconds then random bits, so ids sort by creation time and
 * index well. `nowMs` is a parameter so tests and callers with their own clock stay deterministic.
 */
export function uuidv7(nowMs: number = Date.now()): string {
  const bytes = Buffer.allocUnsafe(16);
  randomInto(bytes, 6);
  bytes.writeUIntBE(nowMs, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return format(bytes);
}

/**
 * UUIDv5 (name-based, SHA-1): the same namespace and name always give the same id. The gateway uses it
 * to derive a transaction id from (actor, idempotency key), so a retried request names the same
 * transaction without any lookup.
 */
export function uuidv5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new Error(`namespace ${namespace} is not a UUID`);
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return format(Buffer.from(bytes));
}

/** Namespace for ids derived from idempotency keys. Changing it would change every derived id. */
export const IDEMPOTENCY_NAMESPACE = '6f1b3c2e-8a47-5d0e-9c31-2b7f4e8a9d10';

/**
 * The settlement account of a provider in one currency: an EXTERNAL account whose id every service can
 * derive, so the orchestrator can credit it without a lookup and open it idempotently.
 */
export function settlementAccountId(provider: string, currency: string): string {
  return uuidv5(`settlement:${provider.toLowerCase()}:${currency}`, IDEMPOTENCY_NAMESPACE);
}

/**
 * The funding provider's EXTERNAL account in one currency: the account an owner's top-up is credited
 * from once the provider confirmed the collection. Derived like the settlement accounts.
 */
export function fundingAccountId(provider: string, currency: string): string {
  return uuidv5(`funding:${provider.toLowerCase()}:${currency}`, IDEMPOTENCY_NAMESPACE);
}
