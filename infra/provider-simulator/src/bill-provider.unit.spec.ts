import { describe, expect, it } from 'vitest';
import { CLIENT_TIMEOUT_MS, call, failureOf, purchaseBody, PURCHASES, useSimulators } from '../test/support';
import { electricityToken } from './bill-provider';

describe('bill provider: electricity purchases', () => {
  const start = useSimulators();

  it('sells a token derived from the reference and records one charge', async () => {
    const simulator = await start();
    const body = purchaseBody({ amount: '10.00' });
    const result = await call(simulator.url + PURCHASES, { body });
    expect(result.status).toBe(200);
    expect(result.contentType).toMatch(/^application\/json/);
    expect(result.body).toEqual({
      status: 'success',
      reference: body.reference,
      token: electricityToken(String(body.reference)),
      providerReference: expect.stringMatching(/^EKO-[0-9A-F]{10}$/),
      units: '40.00',
    });
    expect(result.body.token).toMatch(/^\d{20}$/);
    const status = await call(`${simulator.url}${PURCHASES}/${String(body.reference)}`);
    expect(status).toMatchObject({ status: 200, body: result.body });
    expect(simulator.stats().purchases).toMatchObject({ recorded: 1, succeeded: 1, failed: 0 });
  });

  it.each([
    ['0000', 'INVALID_ACCOUNT'],
    ['1111', 'INSUFFICIENT_CREDIT'],
  ])('refuses meters ending in %s with %s and records the failure', async (suffix, code) => {
    const simulator = await start();
    const body = purchaseBody({ meterNumber: `4501234${suffix}` });
    const result = await call(simulator.url + PURCHASES, { body });
    expect(result).toMatchObject({ status: 422, body: { status: 'failed', code } });
    const status = await call(`${simulator.url}${PURCHASES}/${String(body.reference)}`);
    expect(status).toMatchObject({ status: 200, body: { status: 'failed', code } });
    expect(simulator.stats().purchases).toMatchObject({ recorded: 1, succeeded: 0, failed: 1 });
  });

  it('answers 503 for meters ending in 2222 and records nothing', async () => {
    const simulator = await start();
    const body = purchaseBody({ meterNumber: '45012342222' });
    const result = await call(simulator.url + PURCHASES, { body });
    expect(result).toMatchObject({ status: 503, body: { status: 'failed', code: 'SERVICE_UNAVAILABLE' } });
    const status = await call(`${simulator.url}${PURCHASES}/${String(body.reference)}`);
    expect(status).toMatchObject({ status: 404, body: { status: 'unknown' } });
    expect(simulator.stats().purchases).toMatchObject({ attempts: 1, recorded: 0 });
  });

  it('never answers meters ending in 9999, nor status queries for them, and records nothing', async () => {
    const simulator = await start();
    const body = purchaseBody({ meterNumber: '45012349999' });
    const purchase = failureOf(call(simulator.url + PURCHASES, { body, timeoutMs: CLIENT_TIMEOUT_MS }));
    expect(await purchase).toMatchObject({ name: 'AbortError' });
    const query = call(`${simulator.url}${PURCHASES}/${String(body.reference)}`, {
      timeoutMs: CLIENT_TIMEOUT_MS,
    });
    expect(await failureOf(query)).toMatchObject({ name: 'AbortError' });
    expect(simulator.stats().purchases).toMatchObject({ attempts: 1, recorded: 0, succeeded: 0 });
  });

  it('does not let a never-answered purchase block close()', async () => {
    const simulator = await start();
    const body = purchaseBody({ meterNumber: '45012349999' });
    // No client timeout: only close() can end this call.
    const hanging = failureOf(call(simulator.url + PURCHASES, { body }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const startedAt = performance.now();
    await simulator.close();
    expect(performance.now() - startedAt).toBeLessThan(1000);
    expect(await hanging).toBeInstanceOf(Error);
  });

  it('records a late success at once, answers only after lateAnswerMs, and reports success on query', async () => {
    const simulator = await start({ lateAnswerMs: 2000 });
    const body = purchaseBody({ meterNumber: '45012345555' });
    const purchase = call(simulator.url + PURCHASES, { body, timeoutMs: CLIENT_TIMEOUT_MS });
    expect(await failureOf(purchase)).toMatchObject({ name: 'AbortError' });
    const status = await call(`${simulator.url}${PURCHASES}/${String(body.reference)}`);
    expect(status).toMatchObject({
      status: 200,
      body: { status: 'success', token: electricityToken(String(body.reference)) },
    });
    // The client's retry is answered from the record, at once, and is not a second charge.
    const retry = await call(simulator.url + PURCHASES, { body, timeoutMs: CLIENT_TIMEOUT_MS });
    expect(retry).toMatchObject({ status: 200, body: status.body });
    expect(simulator.stats().purchases).toMatchObject({ recorded: 1, succeeded: 1, replays: 1 });
  });

  it('delivers the late answer to a client patient enough to wait for it', async () => {
    const simulator = await start({ lateAnswerMs: 100 });
    const startedAt = performance.now();
    const result = await call(simulator.url + PURCHASES, {
      body: purchaseBody({ meterNumber: '4501235555' }),
    });
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(100);
    expect(result).toMatchObject({ status: 200, body: { status: 'success' } });
  });

  it('answers a repeated purchase from the record: same token, one charge', async () => {
    const simulator = await start();
    const body = purchaseBody({ amount: '12.50' });
    const first = await call(simulator.url + PURCHASES, { body });
    // Re-formatting the amount does not make it a different request.
    const second = await call(simulator.url + PURCHASES, { body: { ...body, amount: '12.5' } });
    expect(first.status).toBe(200);
    expect(second).toEqual(first);
    expect(simulator.stats().purchases).toMatchObject({ attempts: 2, replays: 1, recorded: 1, succeeded: 1 });
  });

  it('repeats a recorded refusal instead of evaluating the purchase again', async () => {
    const simulator = await start();
    const body = purchaseBody({ meterNumber: '45012340000' });
    await call(simulator.url + PURCHASES, { body });
    const again = await call(simulator.url + PURCHASES, { body });
    expect(again).toMatchObject({ status: 422, body: { code: 'INVALID_ACCOUNT' } });
    expect(simulator.stats().purchases).toMatchObject({ recorded: 1, failed: 1 });
  });

  it('answers 409 REFERENCE_REUSED when a reference comes back with a different body', async () => {
    const simulator = await start();
    const body = purchaseBody();
    await call(simulator.url + PURCHASES, { body });
    const reused = await call(simulator.url + PURCHASES, { body: { ...body, amount: '99.00' } });
    expect(reused).toMatchObject({ status: 409, body: { code: 'REFERENCE_REUSED' } });
    expect(simulator.stats().purchases).toMatchObject({ recorded: 1, succeeded: 1 });
  });

  it('answers 404 unknown for a reference it never recorded', async () => {
    const simulator = await start();
    const status = await call(`${simulator.url}${PURCHASES}/never-seen-reference`);
    expect(status).toMatchObject({ status: 404, body: { status: 'unknown' } });
  });
});
