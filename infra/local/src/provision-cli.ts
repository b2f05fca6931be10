import { loadBrokerIdentities } from '@billing/platform/kafka-identities';
import { provision } from './provision';

/** Creates the databases, topics and ACLs for a local run or a test run, then exits. */
provision({
  kafkaBrokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  kafkaSecurity: loadBrokerIdentities(process.env).admin,
  databaseServerUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  topicPrefix: process.env.KAFKA_TOPIC_PREFIX ?? '',
})
  .then((urls) => console.log('provisioned:', Object.values(urls).join(', ')))
  .catch((err: unknown) => {
    console.error('provisioning failed:', err);
    process.exit(1);
  });
