import { randomBytes } from 'node:crypto';
import type { Kafka, KafkaMessage, Producer } from 'kafkajs';
import { consumerConfig, sendAll, type OutgoingMessage } from './kafka';

/**
 * Reading and replaying the dead-letter topic, for `npm run dlq`. A dead letter is named by where it sits
 * on that topic, `<partition>:<offset>`. Replay puts the original value, key and headers (without the
 * dlq-* ones) back on the original topic; consumers dedupe by messageId, so a replayed message that had
 * been applied after all is skipped, never applied twice.
 */

export interface DeadLetter {
  id: string;
  partition: number;
  offset: string;
  /** When it was dead-lettered (broker timestamp, ISO). */
  at: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  errorCode: string | null;
  errorDetail: string | null;
  originalTopic: string | null;
  originalPartition: number | null;
  originalOffset: string | null;
  consumerGroup: string | null;
  messageType: string | null;
  messageId: string | null;
}

export interface ReadOptions {
  kafka: Kafka;
  topic: string;
  /** A group of its own per read, namespaced like every group, deleted afterwards; nothing is committed. */
  groupPrefix: string;
  /** Reads stop here even if the topic holds more. */
  messagesMax?: number;
  timeoutMs?: number;
}

const DLQ_HEADER = /^dlq-/;

function headersOf(m: KafkaMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {}))
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.map(String).join(',') : String(v);
  return headers;
}

/** The envelope's type and id, from the headers or else from the value, when it parses as JSON at all. */
function identify(
  value: string | null,
  headers: Record<string, string>,
): { type: string | null; id: string | null } {
  let type = headers['message-type'] ?? null;
  let id = headers['message-id'] ?? null;
  if ((type === null || id === null) && value !== null) {
    try {
      const parsed = JSON.parse(value) as { type?: unknown; messageId?: unknown };
      if (type === null && typeof parsed.type === 'string') type = parsed.type;
      if (id === null && typeof parsed.messageId === 'string') id = parsed.messageId;
    } catch {
      // Not JSON (that may be why it is here): nothing to show.
    }
  }
  return { type, id };
}

export function toDeadLetter(partition: number, m: KafkaMessage): DeadLetter {
  const headers = headersOf(m);
  const value = m.value?.toString('utf8') ?? null;
  const { type, id } = identify(value, headers);
  const originalPartition = headers['dlq-original-partition'];
  return {
    id: `${partition}:${m.offset}`,
    partition,
    offset: m.offset,
    at: new Date(Number(m.timestamp)).toISOString(),
    key: m.key?.toString('utf8') ?? null,
    value,
    headers,
    errorCode: headers['dlq-error-code'] ?? null,
    errorDetail: headers['dlq-error-detail'] ?? null,
    originalTopic: headers['dlq-original-topic'] ?? null,
    originalPartition: originalPartition === undefined ? null : Number(originalPartition),
    originalOffset: headers['dlq-original-offset'] ?? null,
    consumerGroup: headers['dlq-consumer-group'] ?? null,
    messageType: type,
    messageId: id,
  };
}

/** Every dead letter on the topic up to its current end, in partition then offset order (bounded). */
export async function readDeadLetters(options: ReadOptions): Promise<DeadLetter[]> {
  const { kafka, topic } = options;
  const messagesMax = options.messagesMax ?? 10_000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `${options.groupPrefix}dlq-tool.${randomBytes(6).toString('hex')}`;
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const pending = new Map(
      ends.filter((e) => BigInt(e.high) > BigInt(e.low)).map((e) => [e.partition, BigInt(e.high)]),
    );
    const found: DeadLetter[] = [];
    if (pending.size > 0) {
      const consumer = kafka.consumer(consumerConfig(groupId, 10_000));
      await consumer.connect();
      try {
        await consumer.subscribe({ topic, fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`reading ${topic} took longer than ${timeoutMs} ms`)),
            timeoutMs,
          );
          const finish = () => {
            clearTimeout(timer);
            resolve();
          };
          consumer
            .run({
              autoCommit: false,
              eachBatch: async ({ batch }) => {
                for (const m of batch.messages) {
                  const end = pending.get(batch.partition);
                  if (end === undefined || BigInt(m.offset) >= end) continue;
                  found.push(toDeadLetter(batch.partition, m));
                  if (BigInt(m.offset) + 1n >= end) pending.delete(batch.partition);
                }
                if (pending.size === 0 || found.length >= messagesMax) finish();
              },
            })
            .catch(reject);
        });
      } finally {
        await consumer.disconnect();
      }
    }
    return found
      .sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)))
      .slice(0, messagesMax);
  } finally {
    // The group committed nothing; deleting it leaves no trace (it may not exist if nothing was read).
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

export interface ReplayOutcome {
  id: string;
  replayed: boolean;
  /** Why it was not replayed, or where it went. */
  note: string;
}

/**
 * Decides what a replay of `ids` sends, without sending: each dead letter at most once, and each original
 * message at most once (several consumer groups may have dead-lettered the same one), never a dead letter
 * whose value is not the original message.
 */
export function planReplay(
  deadLetters: readonly DeadLetter[],
  ids: readonly string[],
): { outcomes: ReplayOutcome[]; messages: OutgoingMessage[] } {
  const byId = new Map(deadLetters.map((d) => [d.id, d]));
  const seenIds = new Set<string>();
  const seenOriginals = new Map<string, string>();
  const outcomes: ReplayOutcome[] = [];
  const messages: OutgoingMessage[] = [];
  for (const id of ids) {
    const refuse = (note: string) => outcomes.push({ id, replayed: false, note });
    if (seenIds.has(id)) {
      refuse('named twice in this call; replayed once');
      continue;
    }
    seenIds.add(id);
    const d = byId.get(id);
    if (d === undefined) {
      refuse('no such dead letter (ids are <partition>:<offset>, as `list` shows them)');
      continue;
    }
    if (d.originalTopic === null || d.value === null) {
      refuse('it names no original topic or has no value');
      continue;
    }
    if (d.originalOffset === null) {
      // The outbox relay's dead letters carry a pointer to the refused row, not the message itself.
      refuse(
        `${d.errorCode ?? 'its'} dead letter holds a pointer, not the message; the row is still in the outbox`,
      );
      continue;
    }
    const original = `${d.originalTopic}/${d.originalPartition ?? '?'}@${d.originalOffset}`;
    const earlier = seenOriginals.get(original);
    if (earlier !== undefined) {
      refuse(`the same original message (${original}) as ${earlier}, replayed once`);
      continue;
    }
    seenOriginals.set(original, id);
    const headers = Object.fromEntries(Object.entries(d.headers).filter(([k]) => !DLQ_HEADER.test(k)));
    messages.push({ topic: d.originalTopic, key: d.key ?? '', value: d.value, headers });
    outcomes.push({ id, replayed: true, note: `to ${d.originalTopic} (was ${original})` });
  }
  return { outcomes, messages };
}

/** Replays the dead letters `ids` (see planReplay) with an idempotent producer, all in one batch. */
export async function replayDeadLetters(
  producer: Producer,
  deadLetters: readonly DeadLetter[],
  ids: readonly string[],
): Promise<ReplayOutcome[]> {
  const { outcomes, messages } = planReplay(deadLetters, ids);
  await sendAll(producer, messages);
  return outcomes;
}
