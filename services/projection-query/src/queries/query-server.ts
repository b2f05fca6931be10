import { topicName } from '@billing/contracts/topics';
import { groupName, kafkaSecurity } from '@billing/platform/kafka';
import type { Logger } from '@billing/platform/logger';
import { ServerKafka } from '@nestjs/microservices';
import { Partitioners } from 'kafkajs';
import type { ProjectionConfig } from '../config';
import { answerQuery, type QueryDeps } from './answer-query';

/**
 * The query side of Nest's Kafka request-reply. The pattern is the (prefixed) query topic, registered in
 * code rather than with a decorator because the prefix is configuration; Nest answers on
 * "<topic>.reply", at the partition the requester asked for.
 */
export function createQueryServer(config: ProjectionConfig, deps: QueryDeps, logger: Logger): ServerKafka {
  const server = new ServerKafka({
    client: { clientId: 'projection-query', brokers: config.KAFKA_BROKERS, ...kafkaSecurity(config) },
    consumer: {
      groupId: groupName(config.KAFKA_TOPIC_PREFIX, `${config.PROJECTION_CONSUMER_GROUP}.queries`),
      sessionTimeout: config.KAFKA_SESSION_TIMEOUT_MS,
      heartbeatInterval: Math.floor(config.KAFKA_SESSION_TIMEOUT_MS / 4),
      maxWaitTimeInMs: 50,
      allowAutoTopicCreation: false,
    },
    producer: {
      allowAutoTopicCreation: false,
      idempotent: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    },
    subscribe: { fromBeginning: false },
    run: { autoCommit: true },
  });
  server.addHandler(
    topicName('queries', config.KAFKA_TOPIC_PREFIX),
    async (payload: unknown) => {
      try {
        return await answerQuery(deps, payload);
      } catch (err) {
        // The asker sees a failed request and answers 503; the cause belongs in this service's log.
        logger.error({ err }, 'answering a query failed');
        throw err;
      }
    },
    false,
  );
  return server;
}
