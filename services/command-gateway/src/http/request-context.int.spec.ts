import { topicName } from '@billing/contracts/topics';
import { uuidv7 } from '@billing/contracts/uuid';
import { createLogger } from '@billing/platform/logger';
import { serviceKafkaEnv, testEnv } from '@billing/testing/env';
import { createTopics, uniqueTopicPrefix } from '@billing/testing/infra';
import { TopicProbe } from '@billing/testing/kafka-probe';
import { waitFor } from '@billing/testing/wait';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { createGateway } from '../server';

/**
 * Every request has a correlation id: the one it sent (x-correlation-id) or a new one. The response
 * names it, the commands it emits carry it, and so does every line logged while it is handled, with
 * the trace id the response names in `traceresponse`. Tracing is off here (the default), and there is
 * still a `traceresponse`. Real broker; nobody plays the read side or the ledger.
 */
const env = testEnv();
const prefix = uniqueTopicPrefix('gwlogctx');
const accountCommands = topicName('accountCommands', prefix);
const OWNER_KEY = 'owner-key-alice-0001';
const lines: string[] = [];
const logged = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
let app: NestFastifyApplication;
let url: string;
let probe: TopicProbe;

beforeAll(async () => {
  await createTopics(env.kafkaBrokers, prefix);
  const config = loadConfig({
    ...serviceKafkaEnv('command-gateway'),
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    QUERY_TIMEOUT_MS: '300',
    ACCOUNT_CONFIRM_WAIT_MS: '200',
    API_KEYS: JSON.stringify([{ key: OWNER_KEY, role: 'owner', ownerId: 'alice' }]),
  });
  const logger = createLogger('command-gateway', 'debug', { write: (l: string) => void lines.push(l) });
  app = await createGateway(config, logger);
  await app.listen(0, '127.0.0.1');
  url = await app.getUrl();
  probe = new TopicProbe(env.kafkaBrokers, [accountCommands]);
  await probe.start();
  await waitFor('gateway ready', async () =>
    (await fetch(`${url}/health/ready`)).status === 200 ? true : undefined,
  );
});

afterAll(async () => {
  await probe?.stop();
  await app?.close();
});

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-00$/;

describe('the correlation id of a request', () => {
  it('is the one the client sent: the response, the command it emits and its log lines carry it', async () => {
    const correlationId = uuidv7();
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await fetch(`${url}/api/v1/accounts`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': OWNER_KEY,
        'x-correlation-id': correlationId,
        traceparent: `00-${callerTrace}-00f067aa0ba902b7-01`,
      },
      body: JSON.stringify({ ownerId: 'alice', ownerType: 'user', currency: 'EUR', type: 'USER' }),
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('x-correlation-id')).toBe(correlationId);
    // Not traced here, yet answered under the caller's trace, with a span id of the gateway's own.
    const [, traceId, spanId] = TRACEPARENT.exec(res.headers.get('traceresponse') ?? '')!;
    expect(traceId).toBe(callerTrace);
    expect(spanId).not.toBe('00f067aa0ba902b7');

    const command = await waitFor('OpenAccount on the topic', () =>
      probe
        .parsed<{ messageId: string; correlationId: string; causationId: string | null }>(accountCommands)
        .find((m) => m.correlationId === correlationId),
    );
    expect(command.causationId).toBeNull();
    expect(command.messageId).not.toBe(correlationId);
    const header = probe.messages.find((m) => m.value.includes(command.messageId))!.headers;
    expect(String(header['correlation-id'])).toBe(correlationId);

    const access = await waitFor('the access log line', () =>
      logged().find((l) => l.msg === 'request' && l.correlationId === correlationId),
    );
    expect(access).toMatchObject({ path: '/api/v1/accounts', statusCode: 202, traceId, spanId });
  });

  it('is a new one otherwise, carried by what the handler logs after waiting on the read side', async () => {
    const res = await fetch(`${url}/api/v1/accounts/${uuidv7()}`, { headers: { 'x-api-key': OWNER_KEY } });
    expect(res.status).toBe(503);
    const correlationId = res.headers.get('x-correlation-id');
    expect(correlationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const [, traceId, spanId] = TRACEPARENT.exec(res.headers.get('traceresponse') ?? '')!;
    const failed = logged().find((l) => l.msg === 'query failed' && l.correlationId === correlationId);
    expect(failed).toMatchObject({ type: 'GetAccount', traceId, spanId });
    await waitFor('the access log line', () =>
      logged().find((l) => l.msg === 'request' && l.correlationId === correlationId && l.traceId === traceId),
    );
  });

  it('ignores a correlation id that is not a UUID and makes a new one', async () => {
    const res = await fetch(`${url}/health/live`, { headers: { 'x-correlation-id': 'not-a-uuid' } });
    expect(res.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
