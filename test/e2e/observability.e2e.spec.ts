import { randomBytes } from 'node:crypto';
import { topicName } from '@billing/contracts/topics';
import { createKafka, createProducer, sendAll } from '@billing/platform/kafka';
import { createLogger } from '@billing/platform/logger';
import { testEnv } from '@billing/testing/env';
import { waitFor } from '@billing/testing/wait';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayClient } from './http';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver';
import { startSystem, type RunningSystem } from './system';

const SERVICES = ['command-gateway', 'saga-orchestrator', 'account-ledger', 'projection-query'] as const;
let system: RunningSystem;
let receiver: OtlpReceiver;

const api = gatewayClient(() => system, { admin: 'dev-admin-key' }, 'obs');

async function openAccount(type: 'USER' | 'EXTERNAL', ownerId: string): Promise<string> {
  const res = await api.post('admin', '/api/v1/accounts', {
    ownerId,
    ownerType: type === 'USER' ? 'user' : 'bank',
    currency: 'USD',
    type,
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function scrape(service: (typeof SERVICES)[number]): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${system.ports[service]}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
}

/** The value of one sample, matched by name and a label subset; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const ok = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (ok) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  const otel = {
    OTEL_ENABLED: 'true',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    // Export within a fifth of a second instead of the default five, so the test waits less.
    OTEL_BSP_SCHEDULE_DELAY: '200',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
  };
  system = await startSystem('observability', {
    env: Object.fromEntries(SERVICES.map((s) => [s, otel])),
  });
});

afterAll(async () => {
  await system?.stop();
  await receiver?.close();
});

describe('one picture of the running system: metrics and one trace per request', () => {
  let external: string;
  let alice: string;
  let bob: string;

  it('records a transfer as one trace from the gateway through saga, ledger, saga and projection', async () => {
    external = await openAccount('EXTERNAL', 'bank_obs');
    alice = await openAccount('USER', 'user_obs_a');
    bob = await openAccount('USER', 'user_obs_b');
    const topup = await api.post(
      'admin',
      '/api/v1/transactions/topup',
      {
        idempotencyKey: 'obs-topup-1',
        sourceAccountId: external,
        destinationAccountId: alice,
        amount: '50.00',
        currency: 'USD',
      },
      { idempotencyKey: null, waitSeconds: 20 },
    );
    expect(topup.body.status).toBe('completed');

    // The caller's own trace: the gateway continues it instead of starting one.
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const transfer = await api.post(
      'admin',
      '/api/v1/transactions/transfer',
      {
        idempotencyKey: 'obs-transfer-1',
        sourceAccountId: alice,
        destinationAccountId: bob,
        amount: '20.00',
        currency: 'USD',
      },
      { idempotencyKey: null, waitSeconds: 20, headers: { traceparent: `00-${traceId}-${callerSpanId}-01` } },
    );
    expect(transfer.status).toBe(200);
    expect(transfer.body.status).toBe('completed');
    const traceresponse = transfer.headers.get('traceresponse');
    expect(traceresponse).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(traceresponse!.split('-')[1]).toBe(traceId);

    const topics = {
      commands: topicName('transactionCommands', system.topicPrefix),
      ledgerCommands: topicName('ledgerCommands', system.topicPrefix),
      ledgerEvents: topicName('ledgerEvents', system.topicPrefix),
      transactionEvents: topicName('transactionEvents', system.topicPrefix),
    };
    const has = (spans: ReceivedSpan[], service: string, name: string) =>
      spans.some((s) => s.service === service && s.name === name);
    const spans = await waitFor(
      'spans of all four services in the transfer trace',
      async () => {
        const mine = receiver.spans.filter((s) => s.traceId === traceId);
        // Each service exports on its own schedule: wait for the gateway's span as for the others.
        const complete =
          has(mine, 'command-gateway', 'POST /api/v1/transactions/transfer') &&
          has(mine, 'saga-orchestrator', `${topics.commands} process`) &&
          has(mine, 'account-ledger', `${topics.ledgerCommands} process`) &&
          has(mine, 'saga-orchestrator', `${topics.ledgerEvents} process`) &&
          has(mine, 'projection-query', `${topics.transactionEvents} process`);
        // A child may be exported before its parent (a consumer's span before the publisher's): wait
        // until every span but the gateway's server span has its parent among them.
        const ids = new Set(mine.map((s) => s.spanId));
        const parented = mine.every((s) => s.parentSpanId === callerSpanId || ids.has(s.parentSpanId));
        return complete && parented ? mine : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(SERVICES));
    // The gateway's server span is the child of the caller's span and is the one traceresponse names.
    const server = spans.find((s) => s.service === 'command-gateway' && s.name.startsWith('POST '))!;
    expect(server.name).toBe('POST /api/v1/transactions/transfer');
    expect(server.parentSpanId).toBe(callerSpanId);
    expect(server.spanId).toBe(traceresponse!.split('-')[2]);
    // Every other span hangs off a span of the same trace: no orphan, no second root.
    const ids = new Set(spans.map((s) => s.spanId));
    for (const s of spans.filter((x) => x !== server)) expect(ids.has(s.parentSpanId)).toBe(true);
    // The outbox relays published with the context of the transaction that wrote the rows.
    expect(has(spans, 'saga-orchestrator', `${topics.ledgerCommands} publish`)).toBe(true);
    expect(has(spans, 'account-ledger', `${topics.ledgerEvents} publish`)).toBe(true);
  });

  it('moves every service’s metrics after real traffic', async () => {
    const refused = await api.post(
      'admin',
      '/api/v1/transactions/transfer',
      {
        idempotencyKey: 'obs-transfer-2',
        sourceAccountId: bob,
        destinationAccountId: alice,
        amount: '999.00',
        currency: 'USD',
      },
      { idempotencyKey: null, waitSeconds: 20 },
    );
    expect(refused.body.status).toBe('failed');
    await api.as('admin').accounts.get(alice);
    // A message no consumer can parse: the orchestrator dead-letters it with its reason.
    const kafka = createKafka(
      {
        brokers: testEnv().kafkaBrokers,
        clientId: 'observability-e2e',
        topicPrefix: system.topicPrefix,
        security: testEnv().kafkaSecurity,
      },
      createLogger('observability-e2e', 'warn'),
    );
    const producer = await createProducer(kafka);
    await sendAll(producer, [
      {
        topic: topicName('transactionCommands', system.topicPrefix),
        key: 'poison',
        value: 'not json',
        headers: {},
      },
    ]);
    await producer.disconnect();

    const gateway = await scrape('command-gateway');
    expect(
      sample(gateway, 'http_request_duration_seconds_count', {
        route: '/api/v1/transactions/transfer',
        status: '200',
      }),
    ).toBeGreaterThanOrEqual(1);
    // The route template, never the raw URL with an id in it.
    expect(
      sample(gateway, 'http_request_duration_seconds_count', {
        route: '/api/v1/accounts/:id',
        method: 'GET',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(gateway).not.toMatch(/route="[^"]*[0-9a-f]{8}-[0-9a-f]{4}-/);
    // The gateway's live feed of outcomes is a consumer too.
    const gatewayFeed = topicName('transactionEvents', system.topicPrefix);
    expect(sample(gateway, 'kafka_consumer_messages_total', { topic: gatewayFeed })).toBeGreaterThanOrEqual(
      1,
    );
    expect(
      sample(gateway, 'kafka_consumer_batch_size_messages_count', { topic: gatewayFeed }),
    ).toBeGreaterThanOrEqual(1);

    const ledger = await scrape('account-ledger');
    expect(sample(ledger, 'ledger_postings_total', { transaction_type: 'transfer' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(
      sample(ledger, 'ledger_rejections_total', { code: 'ACCOUNT.INSUFFICIENT_FUNDS' }),
    ).toBeGreaterThanOrEqual(1);
    const ledgerCommands = topicName('ledgerCommands', system.topicPrefix);
    expect(
      sample(ledger, 'kafka_handler_duration_seconds_count', { topic: ledgerCommands, outcome: 'ok' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(ledger, 'kafka_consumer_batch_size_messages_count', { topic: ledgerCommands }),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(ledger, 'kafka_consumer_lag_messages', { topic: ledgerCommands })).toBe(0);
    expect(sample(ledger, 'outbox_published_total')).toBeGreaterThanOrEqual(1);
    expect(sample(ledger, 'outbox_backlog_rows', { state: 'pending' })).toBeDefined();
    expect(sample(ledger, 'outbox_oldest_pending_age_seconds')).toBeDefined();

    const saga = await waitFor('the poison message dead-lettered', async () => {
      const text = await scrape('saga-orchestrator');
      return sample(text, 'dead_letters_total', { reason: 'MESSAGE.UNPARSEABLE' }) === 1 ? text : undefined;
    });
    expect(
      sample(saga, 'saga_duration_seconds_count', { type: 'transfer', outcome: 'completed' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(saga, 'saga_duration_seconds_count', { type: 'transfer', outcome: 'failed' }),
    ).toBeGreaterThanOrEqual(1);
    expect(saga).toContain('# TYPE saga_needs_attention gauge');

    const projection = await scrape('projection-query');
    const transactionEvents = topicName('transactionEvents', system.topicPrefix);
    expect(
      sample(projection, 'kafka_consumer_messages_total', { topic: transactionEvents }),
    ).toBeGreaterThanOrEqual(3);
    expect(
      sample(projection, 'projection_consumer_lag_messages', { topic: transactionEvents }),
    ).toBeDefined();

    for (const text of [gateway, ledger, saga, projection]) {
      expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
      expect(sample(text, 'nodejs_eventloop_lag_seconds')).toBeDefined();
    }
  });
});
