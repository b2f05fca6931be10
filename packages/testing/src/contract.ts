import type { MessageTopicId } from '@billing/contracts/catalog';
import { TOPIC_MESSAGES } from '@billing/contracts/catalog';
import { fixtures, type FixtureType } from '@billing/contracts/fixtures';
import { TOPICS, type ServiceName } from '@billing/contracts/topics';

export interface ConsumedFixture {
  topic: MessageTopicId;
  type: FixtureType;
  message: (typeof fixtures)[FixtureType];
}

/**
 * Every fixture a service must handle: for each topic the registry says it consumes, every message type
 * of that topic. Consumer contract tests feed each one to the service's real handler.
 */
export function fixturesConsumedBy(service: ServiceName): ConsumedFixture[] {
  const out: ConsumedFixture[] = [];
  for (const topic of Object.keys(TOPIC_MESSAGES) as MessageTopicId[]) {
    if (!(TOPICS[topic].consumers as readonly string[]).includes(service)) continue;
    for (const definition of TOPIC_MESSAGES[topic]) {
      const type = definition.type as FixtureType;
      out.push({ topic, type, message: fixtures[type] });
    }
  }
  return out;
}

/** Wraps a fixture as a consumed message, as the batch consumer hands it to a handler. */
export function asConsumed<T>(message: T, offset = 0) {
  return { message, topic: 'contract-test', partition: 0, offset: String(offset), key: null };
}
