import { describe, expect, it } from 'vitest';
import {
  CLIENT_TIMEOUT_MS,
  call,
  collectionBody,
  COLLECTIONS,
  failureOf,
  statusPath,
  useSimulators,
} from '../test/support';
import { collectionIdFor } from './collection-provider';

describe('funding provider: collections', () => {
  const start = useSimulators();

  it('collects with an id derived from the reference and records one charge', async () => {
    const simulator = await start();
    const body = collectionBody({ amount: '50.00' });
    const result = await call(simulator.url + COLLECTIONS, { body });
    expect(result).toEqual({
      status: 200,
      contentType: expect.stringMatching(/^application\/json/),
      body: {
        status: 'collected',
        reference: body.reference,
        collectionId: collectionIdFor(String(body.reference)),
      },
    });
    expect(result.body.collectionId).toMatch(/^COL-[0-9A-F]{12}$/);
    const status = await call(simulator.url + statusPath(COLLECTIONS, body.reference));
    expect(status).toMatchObject({ status: 200, body: result.body });
    expect(simulator.stats().collections).toMatchObject({
      attempts: 1,
      recorded: 1,
      succeeded: 1,
      failed: 0,
    });
  });

  it('collects by bank debit as well as by card', async () => {
    const simulator = await start();
    const body = collectionBody({ method: 'bank_debit', sourceReference: 'mandate_0042' });
    const result = await call(simulator.url + COLLECTIONS, { body });
    expect(result).toMatchObject({ status: 200, body: { status: 'collected' } });
  });

  it.each(['20.66', '20.660'])('declines an amount of %s and records the refusal', async (amount) => {
    const simulator = await start();
    const body = collectionBody({ amount });
    const result = await call(simulator.url + COLLECTIONS, { body });
    expect(result).toMatchObject({
      status: 422,
      body: { status: 'declined', code: 'DECLINED', reference: body.reference },
    });
    const status = await call(simulator.url + statusPath(COLLECTIONS, body.reference));
    expect(status).toMatchObject({ status: 200, body: { status: 'declined', code: 'DECLINED' } });
    const again = await call(simulator.url + COLLECTIONS, { body });
    expect(again).toEqual(result);
    expect(simulator.stats().collections).toMatchObject({ recorded: 1, succeeded: 0, failed: 1, replays: 1 });
  });

  it('never answers an amount ending in .77, nor its retries or status queries, and records nothing', async () => {
    const simulator = await start();
    const body = collectionBody({ amount: '20.77' });
    const url = simulator.url + COLLECTIONS;
    expect(await failureOf(call(url, { body, timeoutMs: CLIENT_TIMEOUT_MS }))).toMatchObject({
      name: 'AbortError',
    });
    expect(await failureOf(call(url, { body, timeoutMs: CLIENT_TIMEOUT_MS }))).toMatchObject({
      name: 'AbortError',
    });
    const query = call(simulator.url + statusPath(COLLECTIONS, body.reference), {
      timeoutMs: CLIENT_TIMEOUT_MS,
    });
    expect(await failureOf(query)).toMatchObject({ name: 'AbortError' });
    expect(simulator.stats().collections).toMatchObject({ attempts: 2, replays: 1, recorded: 0 });
  });

  it('records a late collection at once, answers only after lateAnswerMs, and reports it collected', async () => {
    const simulator = await start({ lateAnswerMs: 2000 });
    const body = collectionBody({ amount: '20.55' });
    const collection = call(simulator.url + COLLECTIONS, { body, timeoutMs: CLIENT_TIMEOUT_MS });
    expect(await failureOf(collection)).toMatchObject({ name: 'AbortError' });
    const status = await call(simulator.url + statusPath(COLLECTIONS, body.reference));
    expect(status).toMatchObject({
      status: 200,
      body: { status: 'collected', collectionId: collectionIdFor(String(body.reference)) },
    });
    // The client's retry is answered from the record, at once, and is not a second charge.
    const retry = await call(simulator.url + COLLECTIONS, { body, timeoutMs: CLIENT_TIMEOUT_MS });
    expect(retry).toMatchObject({ status: 200, body: status.body });
    expect(simulator.stats().collections).toMatchObject({ recorded: 1, succeeded: 1, replays: 1 });
  });

  it('delivers the late collection to a client patient enough to wait for it', async () => {
    const simulator = await start({ lateAnswerMs: 100 });
    const startedAt = performance.now();
    const result = await call(simulator.url + COLLECTIONS, { body: collectionBody({ amount: '20.55' }) });
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(100);
    expect(result).toMatchObject({ status: 200, body: { status: 'collected' } });
  });

  it('answers an amount ending in .44 with 503 once, records nothing, and collects on the retry', async () => {
    const simulator = await start();
    const body = collectionBody({ amount: '20.44' });
    const first = await call(simulator.url + COLLECTIONS, { body });
    expect(first).toMatchObject({ status: 503, body: { status: 'failed', code: 'SERVICE_UNAVAILABLE' } });
    // A 5xx is not a refusal: nothing was recorded, so the provider does not know the reference yet.
    const status = await call(simulator.url + statusPath(COLLECTIONS, body.reference));
    expect(status).toMatchObject({ status: 404, body: { status: 'unknown' } });
    expect(simulator.stats().collections).toMatchObject({ attempts: 1, recorded: 0 });
    const retry = await call(simulator.url + COLLECTIONS, { body });
    expect(retry).toMatchObject({
      status: 200,
      body: { status: 'collected', collectionId: collectionIdFor(String(body.reference)) },
    });
    const third = await call(simulator.url + COLLECTIONS, { body });
    expect(third).toEqual(retry);
    expect(simulator.stats().collections).toMatchObject({
      attempts: 3,
      replays: 1,
      recorded: 1,
      succeeded: 1,
    });
  });

  it('is down once per .44 reference, not once per simulator', async () => {
    const simulator = await start();
    for (const body of [collectionBody({ amount: '1.44' }), collectionBody({ amount: '1.44' })]) {
      expect((await call(simulator.url + COLLECTIONS, { body })).status).toBe(503);
      expect((await call(simulator.url + COLLECTIONS, { body })).status).toBe(200);
    }
    expect(simulator.stats().collections).toMatchObject({ attempts: 4, succeeded: 2 });
  });

  it('answers a repeated collection from the record: same collectionId, collected once', async () => {
    const simulator = await start();
    const body = collectionBody({ amount: '12.50' });
    const first = await call(simulator.url + COLLECTIONS, { body });
    const second = await call(simulator.url + COLLECTIONS, { body: { ...body, amount: '12.5' } });
    expect(first.status).toBe(200);
    expect(second).toEqual(first);
    expect(simulator.stats().collections).toMatchObject({
      attempts: 2,
      replays: 1,
      recorded: 1,
      succeeded: 1,
    });
  });

  it.each([
    ['another method', { method: 'bank_debit' }],
    ['another source', { sourceReference: 'card_other' }],
    ['another amount', { amount: '51.00' }],
  ])('answers 409 REFERENCE_REUSED when a reference comes back with %s', async (_case, change) => {
    const simulator = await start();
    const body = collectionBody();
    await call(simulator.url + COLLECTIONS, { body });
    const reused = await call(simulator.url + COLLECTIONS, { body: { ...body, ...change } });
    expect(reused).toMatchObject({ status: 409, body: { code: 'REFERENCE_REUSED' } });
    expect(simulator.stats().collections).toMatchObject({ recorded: 1, succeeded: 1 });
  });

  it.each([
    ['a short reference', { reference: 'short' }, 'reference'],
    ['an unknown method', { method: 'cash' }, 'method'],
    ['a source of 3 characters', { sourceReference: 'abc' }, 'sourceReference'],
    ['a source with a space', { sourceReference: 'card 4242' }, 'sourceReference'],
    ['a source of 65 characters', { sourceReference: 'x'.repeat(65) }, 'sourceReference'],
    ['a zero amount', { amount: '0' }, 'amount'],
    ['a missing currency', { currency: undefined }, 'currency'],
  ])('rejects %s with 400 INVALID_REQUEST naming the field', async (_case, change, field) => {
    const simulator = await start();
    const result = await call(simulator.url + COLLECTIONS, { body: collectionBody(change) });
    expect(result).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
    expect(result.body.detail).toContain(field);
    expect(simulator.stats().collections.attempts).toBe(0);
  });

  it('answers 404 unknown for a reference it never recorded', async () => {
    const simulator = await start();
    const status = await call(simulator.url + statusPath(COLLECTIONS, 'never-seen-reference'));
    expect(status).toMatchObject({ status: 404, body: { status: 'unknown' } });
  });
});
