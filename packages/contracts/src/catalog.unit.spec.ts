import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import {
  createMessage,
  messageDefinitions,
  parseTopicMessage,
  TOPIC_MESSAGES,
  type MessageMeta,
  type MessageTopicId,
} from './catalog';
import { FIXTURE_ADMIN, FIXTURE_IDS, fixtures, type FixtureType } from './fixtures';
import { HlcSchema } from './hlc';
import { OpenAccount } from './messages/accounts';
import { RequestTopUp } from './messages/transactions';
import { TOPICS, topicName, type TopicId } from './topics';

const MESSAGE_TOPICS = Object.keys(TOPIC_MESSAGES) as MessageTopicId[];
const ALL_TOPICS = Object.keys(TOPICS) as TopicId[];
const EVENT_TOPICS = ['ledgerEvents', 'transactionEvents'] as const satisfies readonly TopicId[];

const NOW_MS = Date.parse('2026-02-03T04:05:06.789Z');
const HLC = '001770091506789.00000.test-node';

function typesOf(topic: MessageTopicId): string[] {
  return TOPIC_MESSAGES[topic].map((d) => d.type);
}

function topicsCarrying(type: string): MessageTopicId[] {
  return MESSAGE_TOPICS.filter((topic) => typesOf(topic).includes(type));
}

function baseMeta(overrides: Partial<MessageMeta> = {}): MessageMeta {
  return { actor: FIXTURE_ADMIN, hlc: HLC, causedBy: null, nowMs: NOW_MS, ...overrides };
}

function topUpData(overrides: Partial<Record<string, unknown>> = {}) {
  return {
    transactionId: FIXTURE_IDS.transaction,
    idempotencyKey: 'topup-key-0001',
    requestHash: 'b'.repeat(64),
    sourceAccountId: FIXTURE_IDS.externalAccount,
    destinationAccountId: FIXTURE_IDS.userAccount,
    amount: '25.00',
    currency: 'USD',
    ...overrides,
  };
}

/** A fixture as it travels: plain JSON, re-parsable, mutable for the test. */
function wire(type: FixtureType): Record<string, unknown> & { data: Record<string, unknown> } {
  return JSON.parse(JSON.stringify(fixtures[type])) as Record<string, unknown> & {
    data: Record<string, unknown>;
  };
}

describe('contract: fixtures, TOPIC_MESSAGES and the TOPICS registry agree', () => {
  it.each(Object.entries(fixtures))(
    'given the %s fixture, then its key names its type and it belongs to exactly one message topic',
    (key, fixture) => {
      expect(fixture.type).toBe(key);
      expect(topicsCarrying(fixture.type)).toHaveLength(1);
    },
  );

  it.each(Object.entries(fixtures))(
    'given the %s fixture serialised to JSON, then parseTopicMessage on its topic returns it unchanged and the registry lists its type',
    (_key, fixture) => {
      for (const topic of topicsCarrying(fixture.type)) {
        expect(TOPICS[topic].messageTypes).toContain(fixture.type);
        const asString = parseTopicMessage(topic, JSON.stringify(fixture));
        expect(asString).toEqual({ ok: true, message: fixture });
        const asBuffer = parseTopicMessage(topic, Buffer.from(JSON.stringify(fixture), 'utf8'));
        expect(asBuffer).toEqual({ ok: true, message: fixture });
      }
    },
  );

  it.each(MESSAGE_TOPICS)('given the %s topic, then every message type it carries has a fixture', (topic) => {
    for (const type of typesOf(topic)) {
      expect(Object.keys(fixtures)).toContain(type);
    }
    for (const type of TOPICS[topic].messageTypes) {
      expect(Object.keys(fixtures)).toContain(type);
    }
  });

  it.each(MESSAGE_TOPICS)(
    'given the %s topic, then the registry messageTypes equal the types TOPIC_MESSAGES lists for it',
    (topic) => {
      expect([...TOPICS[topic].messageTypes].sort()).toEqual(typesOf(topic).sort());
    },
  );

  it('given every fixture, then its envelope fields are valid (hlc, correlation starts a conversation)', () => {
    for (const fixture of Object.values(fixtures)) {
      expect(HlcSchema.safeParse(fixture.hlc).success).toBe(true);
      expect(fixture.correlationId).toBe(fixture.messageId);
      expect(fixture.causationId).toBeNull();
    }
  });
});

describe('parseTopicMessage', () => {
  it('given bytes that are not JSON, then it answers MESSAGE.UNPARSEABLE', () => {
    const result = parseTopicMessage('ledgerEvents', '{"messageId": ');
    expect(result).toMatchObject({ ok: false, code: 'MESSAGE.UNPARSEABLE' });
    expect(result.ok ? '' : result.detail).toMatch(/not JSON/);
  });

  it('given a tombstone (null value), then it answers MESSAGE.UNPARSEABLE', () => {
    expect(parseTopicMessage('ledgerEvents', null)).toMatchObject({ ok: false, code: 'MESSAGE.UNPARSEABLE' });
  });

  it.each([['{}'], ['[]'], ['null'], ['42'], ['"text"']])(
    'given the JSON value %s that is no envelope, then it answers MESSAGE.UNPARSEABLE',
    (raw) => {
      expect(parseTopicMessage('accountCommands', raw)).toMatchObject({
        ok: false,
        code: 'MESSAGE.UNPARSEABLE',
      });
    },
  );

  it('given an envelope whose header is broken (bad messageId), then it answers MESSAGE.UNPARSEABLE naming the field', () => {
    const message = wire('OpenAccount');
    message.messageId = 'not-a-uuid';
    const result = parseTopicMessage('accountCommands', JSON.stringify(message));
    expect(result).toMatchObject({ ok: false, code: 'MESSAGE.UNPARSEABLE' });
    expect(result.ok ? '' : result.detail).toContain('messageId');
  });

  it('given a valid envelope of a type that belongs to another topic, then it answers MESSAGE.UNKNOWN_TYPE naming the topic', () => {
    const result = parseTopicMessage('accountCommands', JSON.stringify(fixtures.EntryPosted));
    expect(result).toMatchObject({ ok: false, code: 'MESSAGE.UNKNOWN_TYPE' });
    expect(result.ok ? '' : result.detail).toBe(
      `EntryPosted is not a message of ${TOPICS.accountCommands.name}`,
    );
  });

  it('given every fixture on every message topic that does not carry it, then it answers MESSAGE.UNKNOWN_TYPE', () => {
    for (const fixture of Object.values(fixtures)) {
      for (const topic of MESSAGE_TOPICS.filter((t) => !typesOf(t).includes(fixture.type))) {
        expect(parseTopicMessage(topic, JSON.stringify(fixture))).toMatchObject({
          ok: false,
          code: 'MESSAGE.UNKNOWN_TYPE',
        });
      }
    }
  });

  it('given a valid envelope of a type nobody defines, then it answers MESSAGE.UNKNOWN_TYPE', () => {
    const message = wire('OpenAccount');
    message.type = 'CloseAccount';
    expect(parseTopicMessage('accountCommands', JSON.stringify(message))).toMatchObject({
      ok: false,
      code: 'MESSAGE.UNKNOWN_TYPE',
    });
  });

  it('given an unknown extra field in data, then it refuses the message (data schemas are strict)', () => {
    const message = wire('RequestTopUp');
    message.data.note = 'sneaked in';
    const result = parseTopicMessage('transactionCommands', JSON.stringify(message));
    expect(result).toMatchObject({ ok: false, code: 'MESSAGE.UNPARSEABLE' });
    expect(result.ok ? '' : result.detail).toMatch(/^data: /);
  });

  it.each(Object.keys(fixtures) as FixtureType[])(
    'given the %s fixture with an unknown extra field in data, then its topic refuses it',
    (type) => {
      const message = wire(type);
      message.data.unexpected = 'x';
      const [topic] = topicsCarrying(type);
      expect(parseTopicMessage(topic!, JSON.stringify(message))).toMatchObject({
        ok: false,
        code: 'MESSAGE.UNPARSEABLE',
      });
    },
  );

  it('given an unknown extra field in the envelope itself, then it refuses the message', () => {
    const message = wire('EntryPosted');
    message.traceId = 'abc';
    expect(parseTopicMessage('ledgerEvents', JSON.stringify(message))).toMatchObject({
      ok: false,
      code: 'MESSAGE.UNPARSEABLE',
    });
  });

  it('given a known type whose data breaks its schema (amount "-1"), then it answers MESSAGE.UNPARSEABLE with the path', () => {
    const message = wire('RequestTopUp');
    message.data.amount = '-1';
    const result = parseTopicMessage('transactionCommands', JSON.stringify(message));
    expect(result).toMatchObject({ ok: false, code: 'MESSAGE.UNPARSEABLE' });
    expect(result.ok ? '' : result.detail).toContain('data.amount');
  });

  it('given a message omitting a data field that has a schema default, then the parsed message carries the default', () => {
    const message = wire('CommandRejected');
    delete message.data.context;
    const result = parseTopicMessage('ledgerEvents', JSON.stringify(message));
    expect(result).toEqual({ ok: true, message: { ...message, data: { ...message.data, context: {} } } });
  });

  it('given a message without a required data field, then it answers MESSAGE.UNPARSEABLE', () => {
    const message = wire('PostEntry');
    delete message.data.postings;
    expect(parseTopicMessage('ledgerCommands', JSON.stringify(message))).toMatchObject({
      ok: false,
      code: 'MESSAGE.UNPARSEABLE',
    });
  });
});

describe('createMessage', () => {
  it('given valid data, then it fills the envelope from the definition and the meta', () => {
    const message = createMessage(RequestTopUp, topUpData(), baseMeta());
    expect(message).toMatchObject({
      type: 'RequestTopUp',
      version: RequestTopUp.version,
      occurredAt: '2026-02-03T04:05:06.789Z',
      hlc: HLC,
      actor: FIXTURE_ADMIN,
      data: topUpData(),
    });
  });

  it('given no messageId in meta, then it mints a UUIDv7 carrying nowMs', () => {
    const message = createMessage(RequestTopUp, topUpData(), baseMeta());
    expect(message.messageId.charAt(14)).toBe('7');
    expect(Number.parseInt(message.messageId.replace(/-/g, '').slice(0, 12), 16)).toBe(NOW_MS);
  });

  it('given a messageId in meta, then it uses it', () => {
    const messageId = '0192f0a0-0000-7000-8000-0000000000aa';
    expect(createMessage(RequestTopUp, topUpData(), baseMeta({ messageId })).messageId).toBe(messageId);
  });

  it('given an amount with more decimals than the currency ("1.001"), then the schema still accepts it (scale is the ledger’s check)', () => {
    expect(createMessage(RequestTopUp, topUpData({ amount: '1.001' }), baseMeta()).data.amount).toBe('1.001');
  });

  it.each(['-1', '1e3', 'abc', ''])('given the invalid amount "%s", then it throws a ZodError', (amount) => {
    expect(() => createMessage(RequestTopUp, topUpData({ amount }), baseMeta())).toThrow(ZodError);
  });

  it('given an unknown extra data field, then it throws instead of sending what consumers would refuse', () => {
    expect(() => createMessage(RequestTopUp, topUpData({ extra: true }), baseMeta())).toThrow(ZodError);
  });

  it('given an invalid hlc in meta, then it throws', () => {
    expect(() => createMessage(RequestTopUp, topUpData(), baseMeta({ hlc: 'yesterday' }))).toThrow(ZodError);
  });

  it('given no causedBy, then correlationId equals messageId and causationId is null', () => {
    const message = createMessage(RequestTopUp, topUpData(), baseMeta());
    expect(message.correlationId).toBe(message.messageId);
    expect(message.causationId).toBeNull();
  });

  it('given causedBy, then correlationId and causationId are copied from the cause', () => {
    const causedBy = {
      messageId: '0192f0a0-0000-7000-8000-0000000000c1',
      correlationId: '0192f0a0-0000-7000-8000-0000000000c0',
    };
    const message = createMessage(RequestTopUp, topUpData(), baseMeta({ causedBy }));
    expect(message.correlationId).toBe(causedBy.correlationId);
    expect(message.causationId).toBe(causedBy.messageId);
    expect(message.messageId).not.toBe(causedBy.messageId);
  });

  it('given data omitting a field with a schema default (OpenAccount.metadata), then the message carries the default', () => {
    const message = createMessage(
      OpenAccount,
      { accountId: FIXTURE_IDS.userAccount, ownerId: 'u1', ownerType: 'user', type: 'USER', currency: 'USD' },
      baseMeta(),
    );
    expect(message.data.metadata).toEqual({});
  });

  it('given a created message, then parseTopicMessage on its topic reads it back equal', () => {
    const message = createMessage(RequestTopUp, topUpData(), baseMeta());
    expect(parseTopicMessage('transactionCommands', JSON.stringify(message))).toEqual({ ok: true, message });
  });
});

describe('TOPICS registry', () => {
  it('given all topics, then every topic name is unique', () => {
    const names = ALL_TOPICS.map((id) => TOPICS[id].name);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(ALL_TOPICS)('given the %s topic, then it has an explicit integer partition count > 0', (id) => {
    const { partitions } = TOPICS[id];
    expect(Number.isInteger(partitions)).toBe(true);
    expect(partitions).toBeGreaterThan(0);
  });

  it.each(ALL_TOPICS)(
    'given the %s topic, then its config sets cleanup.policy and retention.ms explicitly',
    (id) => {
      const config: Readonly<Record<string, string>> = TOPICS[id].config;
      expect(config['cleanup.policy']).toMatch(/^(delete|compact)(,(delete|compact))?$/);
      expect(config['retention.ms']).toMatch(/^(-1|[1-9][0-9]*)$/);
    },
  );

  it.each(EVENT_TOPICS)(
    'given the event topic %s, then it retains forever (retention.ms -1) with cleanup.policy delete, never compact',
    (id) => {
      const config: Readonly<Record<string, string>> = TOPICS[id].config;
      expect(config['retention.ms']).toBe('-1');
      expect(config['cleanup.policy']).toBe('delete');
      expect(config['cleanup.policy']).not.toContain('compact');
    },
  );

  it('given TOPIC_MESSAGES, then every message topic exists in the registry', () => {
    for (const topic of MESSAGE_TOPICS) expect(ALL_TOPICS).toContain(topic);
  });
});

describe('topicName', () => {
  it('given a prefix, then it prepends it to the registry name', () => {
    expect(topicName('ledgerEvents', 'run-42.')).toBe('run-42.billing.ledger.events');
  });

  it('given an empty prefix (production), then it returns the registry name unchanged', () => {
    for (const id of ALL_TOPICS) expect(topicName(id, '')).toBe(TOPICS[id].name);
  });
});

describe('message versions', () => {
  it('given a version its type does not declare, then it answers MESSAGE.UNKNOWN_VERSION naming the accepted ones', () => {
    const raw = JSON.stringify({ ...fixtures.OpenAccount, version: 99 });
    const result = parseTopicMessage('accountCommands', raw);
    expect(result).toMatchObject({ ok: false, code: 'MESSAGE.UNKNOWN_VERSION' });
    expect(result.ok ? '' : result.detail).toBe(
      'OpenAccount v99 is not a version consumers of billing.account.commands accept (they accept v1)',
    );
  });

  it('given the declared version, then the same message parses', () => {
    const raw = JSON.stringify({ ...fixtures.OpenAccount, version: OpenAccount.version });
    expect(parseTopicMessage('accountCommands', raw)).toMatchObject({ ok: true });
  });

  it('given a version that is not a positive integer, then it is malformed, not unknown', () => {
    for (const version of [0, 1.5, '1', null]) {
      const raw = JSON.stringify({ ...fixtures.OpenAccount, version });
      expect(parseTopicMessage('accountCommands', raw)).toMatchObject({
        ok: false,
        code: 'MESSAGE.UNPARSEABLE',
      });
    }
  });

  it('given a type of another topic in an unknown version, then the type is what is reported', () => {
    const raw = JSON.stringify({ ...fixtures.EntryPosted, version: 7 });
    expect(parseTopicMessage('accountCommands', raw)).toMatchObject({
      ok: false,
      code: 'MESSAGE.UNKNOWN_TYPE',
    });
  });

  it('given every declared message, then messageDefinitions lists each (type, version) once', () => {
    const keys = messageDefinitions().map(({ definition: d }) => `${d.type}.v${d.version}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toContain('RequestTopUp.v1');
  });
});
