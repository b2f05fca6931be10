import { readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';
import { describe, expect, it } from 'vitest';
import { ASYNCAPI_COMMAND, ASYNCAPI_FILE, buildAsyncApiDocument } from './asyncapi';
import { messageDefinitions } from './catalog';
import { TOPICS, type TopicId } from './topics';

const generated = buildAsyncApiDocument();
const committed = JSON.parse(readFileSync(ASYNCAPI_FILE, 'utf8')) as unknown;
const TOPIC_IDS = Object.keys(TOPICS) as TopicId[];

describe('the AsyncAPI document', () => {
  it('given the committed docs/asyncapi.json, then it is what the generator writes today', () => {
    expect(
      JSON.stringify(committed) === JSON.stringify(generated),
      `docs/asyncapi.json is out of date with packages/contracts; run \`${ASYNCAPI_COMMAND}\` and commit it`,
    ).toBe(true);
  });

  it(
    'given the official AsyncAPI parser, then the document is valid AsyncAPI 3.0 without errors or warnings',
    { timeout: 60_000 },
    async () => {
      const { document, diagnostics } = await new Parser().parse(JSON.stringify(generated));
      const serious = diagnostics
        .filter((d) => d.severity <= 1)
        .map((d) => `${d.path.join('/')}: ${d.message}`);
      expect(serious).toEqual([]);
      expect(document?.version()).toBe('3.0.0');
      expect(document?.channels().length).toBe(TOPIC_IDS.length);
    },
  );

  it('given every registry topic, then its channel carries its name, partitions and key', () => {
    const channels = generated.channels as Record<string, Record<string, never>>;
    for (const id of TOPIC_IDS) {
      const channel = channels[id]!;
      expect(channel.address).toBe(TOPICS[id].name);
      expect(channel.bindings).toMatchObject({
        kafka: { topic: TOPICS[id].name, partitions: TOPICS[id].partitions },
      });
      expect(channel.description).toContain(`Key: ${TOPICS[id].key}.`);
    }
  });

  it('given every declared (type, version), then its channel lists it with its envelope schema', () => {
    const channels = generated.channels as Record<string, { messages: Record<string, { payload: unknown }> }>;
    for (const { topic, definition } of messageDefinitions()) {
      const message = channels[topic]!.messages[`${definition.type}.v${definition.version}`];
      expect(message?.payload).toMatchObject({
        properties: { type: { const: definition.type }, version: { const: definition.version } },
      });
    }
  });

  it('given every producer and consumer in the registry, then it has a send or receive operation', () => {
    const operations = generated.operations as Record<string, { action: string }>;
    for (const id of TOPIC_IDS) {
      for (const service of TOPICS[id].producers)
        expect(operations[`${service}.send.${id}`]?.action).toBe('send');
      for (const service of TOPICS[id].consumers)
        expect(operations[`${service}.receive.${id}`]?.action).toBe('receive');
    }
  });
});
