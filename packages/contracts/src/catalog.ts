import { type z } from 'zod';
import { EnvelopeHeaderSchema, type Actor, type MessageDefinition } from './envelope';
import {
  AccountLimitsChanged,
  AccountOpened,
  AccountStatusChanged,
  AddCurrency,
  ChangeAccountStatus,
  CurrencyAdded,
  OpenAccount,
  SetAccountLimits,
} from './messages/accounts';
import {
  CaptureHold,
  HoldCaptured,
  HoldPlaced,
  HoldReleased,
  PlaceHold,
  ReleaseHold,
} from './messages/holds';
import { CommandRejected, EntryPosted, PostEntry, ReverseEntry } from './messages/ledger';
import {
  ClearTransactionInvestigation,
  FlagTransactionForInvestigation,
  RetryTransactionStep,
  TransactionActionRefused,
  TransactionActionReplayed,
  TransactionInvestigationCleared,
  TransactionInvestigationFlagged,
  TransactionStepRetried,
} from './messages/operations';
import { DeadLetterReplayed, ReplayDeadLetter } from './messages/dead-letters';
import { RepublishAccountEvents } from './messages/repairs';
import {
  RequestTopUp,
  TransactionAccepted,
  TransactionCompleted,
  TransactionFailed,
  TransactionRequestRejected,
  TransactionRequestReplayed,
  TransactionProviderStepRecorded,
  TransactionReversed,
  TransactionNeedsAttention,
  RequestWithdrawal,
  RequestTransfer,
  RequestPayment,
  RequestRefund,
  RequestBillPayment,
} from './messages/transactions';
import { TOPICS } from './topics';
import { uuidv7 } from './uuid';

/** Every message type that may appear on each topic; the registry's messageTypes must match these. */
export const TOPIC_MESSAGES = {
  accountCommands: [OpenAccount, ChangeAccountStatus, SetAccountLimits, AddCurrency],
  transactionCommands: [
    RequestTopUp,
    RequestWithdrawal,
    RequestTransfer,
    RequestPayment,
    RequestRefund,
    RequestBillPayment,
    RetryTransactionStep,
    FlagTransactionForInvestigation,
    ClearTransactionInvestigation,
  ],
  ledgerCommands: [PostEntry, PlaceHold, CaptureHold, ReleaseHold, ReverseEntry],
  ledgerEvents: [
    AccountOpened,
    AccountStatusChanged,
    AccountLimitsChanged,
    CurrencyAdded,
    EntryPosted,
    HoldPlaced,
    HoldCaptured,
    HoldReleased,
    CommandRejected,
  ],
  transactionEvents: [
    TransactionAccepted,
    TransactionCompleted,
    TransactionFailed,
    TransactionReversed,
    TransactionNeedsAttention,
    TransactionRequestRejected,
    TransactionRequestReplayed,
    TransactionProviderStepRecorded,
    TransactionStepRetried,
    TransactionInvestigationFlagged,
    TransactionInvestigationCleared,
    TransactionActionRefused,
    TransactionActionReplayed,
  ],
  ledgerRepairs: [RepublishAccountEvents],
  deadLetterReplays: [ReplayDeadLetter],
  deadLetterReplayOutcomes: [DeadLetterReplayed],
} as const;

export type MessageTopicId = keyof typeof TOPIC_MESSAGES;

/** Every declared (type, version) with the topic that carries it, in registry order. */
export function messageDefinitions(): {
  topic: MessageTopicId;
  definition: MessageDefinition<string, z.ZodType>;
}[] {
  return (Object.keys(TOPIC_MESSAGES) as MessageTopicId[]).flatMap((topic) =>
    (TOPIC_MESSAGES[topic] as readonly MessageDefinition<string, z.ZodType>[]).map((definition) => ({
      topic,
      definition,
    })),
  );
}

type DefinitionsOf<T extends MessageTopicId> = (typeof TOPIC_MESSAGES)[T][number];
type ParsedOf<D> = D extends MessageDefinition<string, z.ZodType> ? z.output<D['schema']> : never;

/** The parsed message union of one topic, discriminated by `type`. */
export type TopicMessage<T extends MessageTopicId> = ParsedOf<DefinitionsOf<T>>;

export type ParseFailure = {
  ok: false;
  code: 'MESSAGE.UNPARSEABLE' | 'MESSAGE.UNKNOWN_TYPE' | 'MESSAGE.UNKNOWN_VERSION';
  detail: string;
};
export type ParseResult<T> = { ok: true; message: T } | ParseFailure;

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

/** Parses raw bytes from a topic into one of its message types, or says precisely why it cannot. */
export function parseTopicMessage<T extends MessageTopicId>(
  topic: T,
  raw: Buffer | string | null,
): ParseResult<TopicMessage<T>> {
  if (raw === null) return { ok: false, code: 'MESSAGE.UNPARSEABLE', detail: 'message has no value' };
  let json: unknown;
  try {
    json = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (e) {
    return { ok: false, code: 'MESSAGE.UNPARSEABLE', detail: `not JSON: ${(e as Error).message}` };
  }
  // The usual message names a declared (type, version): its own schema checks the whole envelope, so it
  // is parsed once. The envelope header alone is parsed only to say why a message is refused.
  const declared = declaredDefinition(topic, json);
  if (declared) {
    const parsed = declared.schema.safeParse(json);
    if (parsed.success) return { ok: true, message: parsed.data as TopicMessage<T> };
  }
  const header = EnvelopeHeaderSchema.safeParse(json);
  if (!header.success) return { ok: false, code: 'MESSAGE.UNPARSEABLE', detail: describe(header.error) };
  const definitions: readonly MessageDefinition<string, z.ZodType>[] = TOPIC_MESSAGES[topic];
  const { type, version } = header.data;
  const ofType = definitions.filter((d) => d.type === type);
  if (ofType.length === 0) {
    return {
      ok: false,
      code: 'MESSAGE.UNKNOWN_TYPE',
      detail: `${type} is not a message of ${TOPICS[topic].name}`,
    };
  }
  // A version nobody declared is not malformed, it is newer (or older) than this consumer: a distinct code
  // tells the operator to deploy the consumer that knows it and replay, rather than to fix the producer.
  const definition = ofType.find((d) => d.version === version);
  if (!definition) {
    const accepted = ofType.map((d) => `v${d.version}`).join(', ');
    return {
      ok: false,
      code: 'MESSAGE.UNKNOWN_VERSION',
      detail: `${type} v${version} is not a version consumers of ${TOPICS[topic].name} accept (they accept ${accepted})`,
    };
  }
  const parsed = definition.schema.safeParse(json);
  if (!parsed.success) return { ok: false, code: 'MESSAGE.UNPARSEABLE', detail: describe(parsed.error) };
  return { ok: true, message: parsed.data as TopicMessage<T> };
}

const definitionsByKey = new Map<MessageTopicId, Map<string, MessageDefinition<string, z.ZodType>>>();

/** The definition a JSON value names by its `type` and `version`, if the topic declares that pair. */
function declaredDefinition(
  topic: MessageTopicId,
  json: unknown,
): MessageDefinition<string, z.ZodType> | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const { type, version } = json as { type?: unknown; version?: unknown };
  if (typeof type !== 'string' || typeof version !== 'number') return undefined;
  let byKey = definitionsByKey.get(topic);
  if (!byKey) {
    byKey = new Map(
      (TOPIC_MESSAGES[topic] as readonly MessageDefinition<string, z.ZodType>[]).map((d) => [
        `${d.type}@${d.version}`,
        d,
      ]),
    );
    definitionsByKey.set(topic, byKey);
  }
  return byKey.get(`${type}@${version}`);
}

export interface MessageMeta {
  actor: Actor;
  hlc: string;
  /** The message this one answers or follows from; null for a message that starts a conversation. */
  causedBy: { messageId: string; correlationId: string } | null;
  nowMs: number;
  messageId?: string;
  /**
   * The conversation a message that answers nothing joins (an HTTP request's correlation id at the
   * gateway); without it, such a message starts its own, named by its message id.
   */
  correlationId?: string;
}

/**
 * Builds a message and parses it before it leaves: a producer can never put on a topic what its consumers
 * would refuse.
 */
export function createMessage<TType extends string, TData extends z.ZodType>(
  definition: MessageDefinition<TType, TData>,
  data: z.input<TData>,
  meta: MessageMeta,
): z.output<MessageDefinition<TType, TData>['schema']> {
  const messageId = meta.messageId ?? uuidv7(meta.nowMs);
  return definition.schema.parse({
    messageId,
    type: definition.type,
    version: definition.version,
    occurredAt: new Date(meta.nowMs).toISOString(),
    hlc: meta.hlc,
    correlationId: meta.causedBy?.correlationId ?? meta.correlationId ?? messageId,
    causationId: meta.causedBy?.messageId ?? null,
    actor: meta.actor,
    data,
  });
}
