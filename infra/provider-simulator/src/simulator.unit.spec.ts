import { describe, expect, it } from 'vitest';
import {
  call,
  collectionBody,
  COLLECTIONS,
  payoutBody,
  PAYOUTS,
  purchaseBody,
  PURCHASES,
  useSimulators,
} from '../test/support';
import { startSimulator } from './simulator';

describe('provider simulator: server behaviour', () => {
  const start = useSimulators();

  it('listens on 127.0.0.1 on a random port and answers /health with JSON', async () => {
    const simulator = await start();
    expect(simulator.url).toBe(`http://127.0.0.1:${simulator.port}`);
    expect(simulator.port).toBeGreaterThan(0);
    const health = await call(`${simulator.url}/health`);
    expect(health).toEqual({
      status: 200,
      contentType: 'application/json; charset=utf-8',
      body: { status: 'ok' },
    });
  });

  it('answers unknown paths with 404 and wrong methods with 405, both in JSON', async () => {
    const simulator = await start();
    expect(await call(`${simulator.url}/v1/nothing`)).toMatchObject({
      status: 404,
      body: { code: 'NOT_FOUND' },
    });
    expect(await call(simulator.url + PURCHASES)).toMatchObject({
      status: 405,
      body: { code: 'METHOD_NOT_ALLOWED' },
    });
  });

  it.each([
    ['a short reference', PURCHASES, purchaseBody({ reference: 'short' }), 'reference'],
    ['a meter with letters', PURCHASES, purchaseBody({ meterNumber: '45012A345' }), 'meterNumber'],
    ['a meter of 5 digits', PURCHASES, purchaseBody({ meterNumber: '12345' }), 'meterNumber'],
    ['a numeric amount', PURCHASES, purchaseBody({ amount: 10 }), 'amount'],
    ['a zero amount', PURCHASES, purchaseBody({ amount: '0.00' }), 'amount'],
    ['a missing provider', PURCHASES, purchaseBody({ provider: undefined }), 'provider'],
    ['a negative payout', PAYOUTS, payoutBody({ amount: '-5.00' }), 'amount'],
    ['a payout without account', PAYOUTS, payoutBody({ accountId: '' }), 'accountId'],
  ])('rejects %s with 400 INVALID_REQUEST naming the field', async (_case, path, body, field) => {
    const simulator = await start();
    const result = await call(simulator.url + path, { body });
    expect(result).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
    expect(result.body.detail).toContain(field);
    expect(simulator.stats().purchases.attempts + simulator.stats().payouts.attempts).toBe(0);
  });

  it('rejects a body that is not JSON, and an oversized one', async () => {
    const simulator = await start();
    const notJson = await call(simulator.url + PURCHASES, { method: 'POST', rawBody: '{"reference":' });
    expect(notJson).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
    const huge = await call(simulator.url + PAYOUTS, { method: 'POST', rawBody: 'x'.repeat(70_000) });
    expect(huge).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it('adds latencyMs to every answer', async () => {
    const simulator = await start({ latencyMs: 50 });
    for (const url of [`${simulator.url}/health`, `${simulator.url}${PAYOUTS}/never-seen-reference`]) {
      const startedAt = performance.now();
      await call(url);
      expect(performance.now() - startedAt).toBeGreaterThanOrEqual(50);
    }
    const startedAt = performance.now();
    expect(await call(simulator.url + PURCHASES, { body: purchaseBody() })).toMatchObject({ status: 200 });
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(50);
  });

  it('with failureRate 1 answers every attempt 503 and records nothing', async () => {
    const simulator = await start({ failureRate: 1 });
    const purchase = purchaseBody();
    const payout = payoutBody();
    const unavailable = { status: 503, body: { status: 'failed', code: 'SERVICE_UNAVAILABLE' } };
    expect(await call(simulator.url + PURCHASES, { body: purchase })).toMatchObject(unavailable);
    expect(await call(simulator.url + PAYOUTS, { body: payout })).toMatchObject(unavailable);
    expect(await call(simulator.url + COLLECTIONS, { body: collectionBody() })).toMatchObject(unavailable);
    const query = await call(`${simulator.url}${PURCHASES}/${String(purchase.reference)}`);
    expect(query).toMatchObject({ status: 404, body: { status: 'unknown' } });
    expect(simulator.stats()).toMatchObject({
      purchases: { attempts: 1, recorded: 0, succeeded: 0 },
      payouts: { attempts: 1, recorded: 0, succeeded: 0 },
      collections: { attempts: 1, recorded: 0, succeeded: 0 },
    });
  });

  it('draws failures from the injected random source, one draw per attempt', async () => {
    const draws = [0.9, 0.1, 0.6];
    const simulator = await start({ failureRate: 0.5, random: () => draws.shift() ?? 0.99 });
    const body = purchaseBody();
    expect((await call(simulator.url + PURCHASES, { body })).status).toBe(200);
    // The provider is "down" for the retry even though the purchase was recorded...
    expect((await call(simulator.url + PURCHASES, { body })).status).toBe(503);
    // ...and the next retry gets the recorded answer again.
    expect((await call(simulator.url + PURCHASES, { body })).status).toBe(200);
    expect(simulator.stats().purchases).toMatchObject({ attempts: 3, recorded: 1, succeeded: 1 });
  });

  it('rejects nonsense options before listening', async () => {
    await expect(startSimulator({ failureRate: 50 })).rejects.toThrow(/failureRate/);
    await expect(startSimulator({ latencyMs: -1 })).rejects.toThrow(RangeError);
    await expect(startSimulator({ voidFailureRate: 2 })).rejects.toThrow(/voidFailureRate/);
  });

  it('can be closed twice', async () => {
    const simulator = await start();
    await simulator.close();
    await expect(simulator.close()).resolves.toBeUndefined();
  });
});
