import { randomFillSync } from 'node:crypto';
import { uuidv7 } from '@billing/contracts/uuid';

/** The response header naming the request's correlation id; a client may send it too. */
export const CORRELATION_ID_HEADER = 'x-correlation-id';
/** Headers an incoming correlation id is taken from, in this order (proxies often set the second). */
const INCOMING = [CORRELATION_ID_HEADER, 'x-request-id'] as const;

/**
 * A UUID the envelope schema accepts (RFC 9562 versions 1 to 8, the RFC variant), in any case. A
 * correlation id ends up on every message of the conversation, so only what the contract allows
 * there is taken; anything else is ignored and a new id is made.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** The correlation id a request names, if it names a valid one, else a new one. */
export function requestCorrelationId(headers: Record<string, string | string[] | undefined>): string {
  for (const name of INCOMING) {
    const v = headers[name];
    if (typeof v === 'string' && UUID.test(v)) return v.toLowerCase();
  }
  return uuidv7();
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-|$)/;
const ZERO = /^0+$/;

/**
 * The trace id of a valid W3C `traceparent` (version 00 exactly; a later version by its first four
 * fields, as the spec asks), else null.
 */
export function incomingTraceId(traceparent: string | string[] | undefined): string | null {
  if (typeof traceparent !== 'string') return null;
  const m = TRACEPARENT.exec(traceparent);
  if (!m) return null;
  const [, version, traceId, parentId] = m as unknown as [string, string, string, string];
  if (version === 'ff' || (version === '00' && traceparent.length !== 55)) return null;
  if (ZERO.test(traceId) || ZERO.test(parentId)) return null;
  return traceId;
}

/** Random bytes for ids, drawn 4 KiB at a time: a CSPRNG call per request showed in the gateway's profile. */
const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let poolOffset = POOL_SIZE;

/** Random non-zero lowercase hex of `bytes` bytes, as W3C trace and span ids are. */
function randomId(bytes: number): string {
  for (;;) {
    if (poolOffset + bytes > POOL_SIZE) {
      randomFillSync(pool);
      poolOffset = 0;
    }
    const id = pool.toString('hex', poolOffset, poolOffset + bytes);
    poolOffset += bytes;
    if (!ZERO.test(id)) return id;
  }
}

/**
 * The ids a request is answered under when it is not traced: the caller's trace id (or a new one) and
 * a new span id, with the sampled flag off since nothing was recorded. The response names them in
 * `traceresponse`, so a caller always learns an id that its request's log lines carry.
 */
export function untracedIds(traceparent: string | string[] | undefined): {
  traceId: string;
  spanId: string;
  traceresponse: string;
} {
  const traceId = incomingTraceId(traceparent) ?? randomId(16);
  const spanId = randomId(8);
  return { traceId, spanId, traceresponse: `00-${traceId}-${spanId}-00` };
}
