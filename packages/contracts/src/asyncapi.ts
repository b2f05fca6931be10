import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type z } from 'zod';
import { TOPIC_MESSAGES, type MessageTopicId } from './catalog';
import { EnvelopeHeaderSchema, type MessageDefinition } from './envelope';
import { fixtures, queryFixtures } from './fixtures';
import { toJsonSchema, type JsonSchema } from './json-schema';
import { QueryReplySchemas, QueryRequestSchema, type QueryType } from './messages/queries';
import { snapshotKey } from './schema-gate';
import { TOPICS, type ServiceName, type TopicId } from './topics';
import { IDEMPOTENCY_NAMESPACE, uuidv5 } from './uuid';

/**
 * The AsyncAPI 3.0 description of every topic, message and producer/consumer, generated from the registry
 * and the zod schemas so that it cannot drift from what the services parse. `npm run contracts:asyncapi`
 * writes it to docs/asyncapi.json; a unit test fails when the committed file differs from this.
 */

export const ASYNCAPI_FILE = path.resolve(__dirname, '../../../docs/asyncapi.json');
export const ASYNCAPI_COMMAND = 'npm run contracts:asyncapi';

const KAFKA_BINDING_VERSION = '0.5.0';
const ref = (to: string) => ({ $ref: to });

const W3C_TRACEPARENT = '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$';

/** What `envelopeHeaders` (packages/platform/src/kafka.ts) puts on every envelope. */
const ENVELOPE_HEADERS: JsonSchema = {
  type: 'object',
  description:
    'Kafka headers of every envelope: its type for routing without parsing, its ids, and the W3C trace ' +
    'context the OpenTelemetry propagator injects when a span is active.',
  properties: {
    'message-type': { type: 'string', description: 'The envelope `type`.' },
    'message-id': { type: 'string', format: 'uuid', description: 'The envelope `messageId`.' },
    'correlation-id': { type: 'string', format: 'uuid', description: 'The envelope `correlationId`.' },
    traceparent: { type: 'string', pattern: W3C_TRACEPARENT, description: 'W3C Trace Context.' },
    tracestate: { type: 'string', description: 'W3C Trace Context vendor state.' },
    baggage: { type: 'string', description: 'W3C Baggage.' },
  },
  required: ['message-type', 'message-id', 'correlation-id'],
};

/** Nest's Kafka request-reply headers (ClientKafka on the gateway, ServerKafka on the read side). */
const QUERY_HEADERS: JsonSchema = {
  type: 'object',
  properties: {
    kafka_correlationId: { type: 'string', description: 'Matches the reply to the waiting request.' },
    kafka_replyTopic: { type: 'string', description: 'Where the answer goes: billing.queries.reply.' },
    kafka_replyPartition: { type: 'string', description: 'The reply partition this gateway replica reads.' },
  },
  required: ['kafka_correlationId', 'kafka_replyTopic', 'kafka_replyPartition'],
};
const REPLY_HEADERS: JsonSchema = {
  type: 'object',
  properties: {
    kafka_correlationId: { type: 'string' },
    'kafka_nest-is-disposed': { type: 'string', description: 'Set on the last message of a reply.' },
    'kafka_nest-err': { type: 'string', description: 'Set when the handler threw instead of answering.' },
  },
  required: ['kafka_correlationId'],
};

/** What BatchConsumer (and the outbox relay, for a row the broker refused) add to the original headers. */
const DEAD_LETTER_HEADERS: JsonSchema = {
  type: 'object',
  description:
    'The original headers, minus nothing, plus these. `npm run dlq -- replay` strips the dlq-* ones again.',
  properties: {
    'dlq-error-code': {
      type: 'string',
      description:
        'MESSAGE.UNPARSEABLE, MESSAGE.UNKNOWN_TYPE, MESSAGE.UNKNOWN_VERSION, MESSAGE.HANDLER_FAILED, or ' +
        'MESSAGE.REFUSED_BY_BROKER for an outbox row (whose value then only points at the row).',
    },
    'dlq-error-detail': { type: 'string', maxLength: 1000 },
    'dlq-original-topic': { type: 'string' },
    'dlq-original-partition': { type: 'string', pattern: '^[0-9]+$' },
    'dlq-original-offset': { type: 'string', pattern: '^[0-9]+$' },
    'dlq-consumer-group': { type: 'string' },
  },
  required: ['dlq-error-code', 'dlq-error-detail', 'dlq-original-topic'],
  additionalProperties: { type: 'string' },
};

function keyBinding(topic: TopicId): JsonSchema {
  return {
    kafka: { key: { type: 'string', description: TOPICS[topic].key }, bindingVersion: KAFKA_BINDING_VERSION },
  };
}

/** A fixture with ids that do not change between runs, so the generated file is stable. */
function stableExample(definition: MessageDefinition<string, z.ZodType>): JsonSchema | undefined {
  const fixture = (fixtures as Record<string, { messageId: string } | undefined>)[definition.type];
  if (fixture === undefined || (fixture as unknown as { version: number }).version !== definition.version)
    return undefined;
  const id = uuidv5(`asyncapi:${snapshotKey(definition.type, definition.version)}`, IDEMPOTENCY_NAMESPACE);
  return {
    name: 'fixture',
    headers: {
      'message-type': definition.type,
      'message-id': id,
      'correlation-id': id,
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    },
    payload: { ...fixture, messageId: id, correlationId: id, causationId: null },
  };
}

function envelopeMessage(
  topic: MessageTopicId,
  definition: MessageDefinition<string, z.ZodType>,
): JsonSchema {
  const example = stableExample(definition);
  return {
    name: definition.type,
    title: `${definition.type} v${definition.version}`,
    summary: `${definition.type}, schema version ${definition.version}, on ${TOPICS[topic].name}.`,
    contentType: 'application/json',
    headers: ref('#/components/schemas/EnvelopeHeaders'),
    payload: toJsonSchema(definition.schema),
    correlationId: ref('#/components/correlationIds/envelope'),
    bindings: keyBinding(topic),
    ...(example ? { examples: [example] } : {}),
  };
}

function queryMessages(): { requests: Record<string, JsonSchema>; replies: Record<string, JsonSchema> } {
  const requests: Record<string, JsonSchema> = {};
  const replies: Record<string, JsonSchema> = {};
  for (const option of QueryRequestSchema.options) {
    const type = option.shape.type.value as QueryType;
    requests[`${type}.query`] = {
      name: type,
      title: `${type} query`,
      contentType: 'application/json',
      headers: ref('#/components/schemas/QueryHeaders'),
      payload: toJsonSchema(option),
      correlationId: ref('#/components/correlationIds/query'),
      bindings: keyBinding('queries'),
      examples: [{ name: 'fixture', payload: queryFixtures[type] }],
    };
    replies[`${type}.reply`] = {
      name: `${type}Reply`,
      title: `${type} reply`,
      summary: 'The data, or `{ok: false, code, detail}`.',
      contentType: 'application/json',
      headers: ref('#/components/schemas/ReplyHeaders'),
      payload: toJsonSchema(QueryReplySchemas[type]),
      correlationId: ref('#/components/correlationIds/query'),
      bindings: keyBinding('queryReplies'),
    };
  }
  return { requests, replies };
}

function channelMessages(topic: TopicId): Record<string, JsonSchema> {
  if (topic === 'queries') return queryMessages().requests;
  if (topic === 'queryReplies') return queryMessages().replies;
  if (topic === 'deadLetter') {
    return {
      DeadLetter: {
        name: 'DeadLetter',
        title: 'Dead letter',
        summary: 'A message a consumer could not handle, with the reason in its headers.',
        headers: ref('#/components/schemas/DeadLetterHeaders'),
        payload: {
          description: 'The original value, byte for byte (an outbox pointer for MESSAGE.REFUSED_BY_BROKER).',
        },
        bindings: keyBinding('deadLetter'),
      },
    };
  }
  const definitions = TOPIC_MESSAGES[topic] as readonly MessageDefinition<string, z.ZodType>[];
  return Object.fromEntries(
    definitions.map((d) => [snapshotKey(d.type, d.version), envelopeMessage(topic, d)]),
  );
}

function topicConfiguration(topic: TopicId): JsonSchema {
  const config: Readonly<Record<string, string>> = TOPICS[topic].config;
  const out: JsonSchema = {};
  for (const [name, value] of Object.entries(config))
    out[name] = name === 'cleanup.policy' ? value.split(',') : Number(value);
  return out;
}

function channel(topic: TopicId): JsonSchema {
  const t = TOPICS[topic];
  const who = (list: readonly string[]) =>
    list.length > 0 ? list.join(', ') : 'none (operators: `npm run dlq`)';
  return {
    address: t.name,
    title: t.name,
    description:
      `Key: ${t.key}. Partitions: ${t.partitions}. Produced by ${who(t.producers)}; consumed by ` +
      `${who(t.consumers)}. Deployments prefix the name with KAFKA_TOPIC_PREFIX (empty in production).`,
    messages: channelMessages(topic),
    bindings: {
      kafka: {
        topic: t.name,
        partitions: t.partitions,
        topicConfiguration: topicConfiguration(topic),
        bindingVersion: KAFKA_BINDING_VERSION,
      },
    },
  };
}

function operations(): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const topic of Object.keys(TOPICS) as TopicId[]) {
    const t = TOPICS[topic];
    const messages = Object.keys(channelMessages(topic)).map((m) => ref(`#/channels/${topic}/messages/${m}`));
    const add = (service: ServiceName, action: 'send' | 'receive') => {
      out[`${service}.${action}.${topic}`] = {
        action,
        channel: ref(`#/channels/${topic}`),
        title: `${service} ${action === 'send' ? 'sends to' : 'receives from'} ${t.name}`,
        tags: [{ name: service }],
        messages,
      };
    };
    for (const service of t.producers) add(service, 'send');
    for (const service of t.consumers) add(service, 'receive');
  }
  return out;
}

function contractsVersion(): string {
  const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '../package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export function buildAsyncApiDocument(): JsonSchema {
  const topics = Object.keys(TOPICS) as TopicId[];
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Billing platform messages',
      version: contractsVersion(),
      description:
        'Every topic, message type and schema version of the billing platform, generated from ' +
        'packages/contracts (the topic registry and the zod schemas) by `npm run contracts:asyncapi`; do not ' +
        'edit by hand. Every message is a JSON envelope (components/schemas/Envelope); a consumer accepts ' +
        'exactly the (type, version)s listed on its channel and dead-letters any other version with ' +
        'MESSAGE.UNKNOWN_VERSION. How versions evolve: docs/contracts.md.',
    },
    defaultContentType: 'application/json',
    servers: {
      local: {
        host: '127.0.0.1:9092',
        protocol: 'kafka',
        description:
          "`npm start`'s broker: SASL/SCRAM-SHA-512 with ACLs from the topic registry, one identity per service.",
        security: [ref('#/components/securitySchemes/scram')],
      },
    },
    channels: Object.fromEntries(topics.map((topic) => [topic, channel(topic)])),
    operations: operations(),
    components: {
      schemas: {
        Envelope: {
          ...toJsonSchema(EnvelopeHeaderSchema),
          description:
            'The shape every message shares before its `type` and `version` say what `data` holds.',
        },
        EnvelopeHeaders: ENVELOPE_HEADERS,
        QueryHeaders: QUERY_HEADERS,
        ReplyHeaders: REPLY_HEADERS,
        DeadLetterHeaders: DEAD_LETTER_HEADERS,
      },
      correlationIds: {
        envelope: {
          description: 'The conversation a message belongs to.',
          location: '$message.payload#/correlationId',
        },
        query: {
          description: "Nest's request-reply correlation.",
          location: '$message.header#/kafka_correlationId',
        },
      },
      securitySchemes: {
        scram: {
          type: 'scramSha512',
          description: 'Each service has its own user; ACLs follow the registry.',
        },
      },
    },
  };
}
