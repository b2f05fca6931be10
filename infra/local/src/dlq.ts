import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { topicName } from '@billing/contracts/topics';
import { readDeadLetters, replayDeadLetters, type DeadLetter } from '@billing/platform/dead-letters';
import { createKafka, createProducer } from '@billing/platform/kafka';
import { loadBrokerIdentities } from '@billing/platform/kafka-identities';
import pino from 'pino';

/**
 * `npm run dlq -- list | show <id> | replay <id>...`: what is on the dead-letter topic, one of them in
 * full, and putting chosen ones back on their original topic. Talks to the broker `npm start` uses
 * (KAFKA_BROKERS, KAFKA_TOPIC_PREFIX) as its super user, found the way start.ts finds it.
 */
const USAGE = `usage: npm run dlq -- list [--json] [--limit N] | show <id> | replay <id>...
  <id> is <partition>:<offset> on the dead-letter topic, as list shows it`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { json: { type: 'boolean', default: false }, limit: { type: 'string', default: '100' } },
});
const [command, ...ids] = positionals;
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const prefix = process.env.KAFKA_TOPIC_PREFIX ?? '';
const deadLetterTopic = topicName('deadLetter', prefix);
const LIMIT_MAX = 10_000;

/**
 * The local broker's credentials file when nothing else names an identity: `npm start` exports it to its
 * own processes only, so a second terminal asks kafka.sh, as the test harness does.
 */
function brokerEnv(): NodeJS.ProcessEnv {
  const env = process.env;
  if (env.KAFKA_CREDENTIALS_FILE || env.KAFKA_SASL_MECHANISM) return env;
  const port = /^(?:127\.0\.0\.1|localhost):(\d+)$/.exec(brokers.length === 1 ? brokers[0]! : '')?.[1];
  if (port === undefined) return env;
  try {
    const script = path.resolve(__dirname, '../kafka.sh');
    const file = execFileSync('bash', [script, 'credentials-file'], {
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
      env: { ...env, KAFKA_PORT: port },
    })
      .toString()
      .trim();
    return file === '' ? env : { ...env, KAFKA_CREDENTIALS_FILE: file };
  } catch {
    return env;
  }
}

function oneLine(d: DeadLetter): string {
  const original = d.originalTopic
    ? `${d.originalTopic}/${d.originalPartition ?? '?'}@${d.originalOffset ?? '?'}`
    : '?';
  const detail = (d.errorDetail ?? '').replace(/\s+/g, ' ').slice(0, 120);
  return [
    d.id.padEnd(8),
    d.at,
    original,
    d.errorCode ?? '?',
    d.messageType ?? '?',
    d.messageId ?? '?',
    detail,
  ].join('  ');
}

function full(d: DeadLetter): unknown {
  let value: unknown = d.value;
  try {
    value = d.value === null ? null : JSON.parse(d.value);
  } catch {
    // Shown as the raw string it is.
  }
  return { ...d, value };
}

async function main(): Promise<number> {
  if (command === undefined || !['list', 'show', 'replay'].includes(command)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if ((command === 'show' && ids.length !== 1) || (command === 'replay' && ids.length === 0)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const logger = pino({ level: 'warn' });
  const security = loadBrokerIdentities(brokerEnv()).admin;
  const kafka = createKafka({ brokers, clientId: 'dlq-tool', topicPrefix: prefix, security }, logger);
  const limit = Math.min(Math.max(Number(values.limit) || 100, 1), LIMIT_MAX);
  const all = await readDeadLetters({
    kafka,
    topic: deadLetterTopic,
    groupPrefix: prefix,
    messagesMax: LIMIT_MAX,
  });
  if (command === 'list') {
    const shown = all.slice(-limit);
    if (values.json) process.stdout.write(`${JSON.stringify(shown.map(full), null, 2)}\n`);
    else {
      process.stdout.write(
        `${all.length} dead letter(s) on ${deadLetterTopic}${all.length > shown.length ? `, the last ${shown.length}` : ''}\n`,
      );
      process.stdout.write(
        'ID        DEAD-LETTERED AT          ORIGINAL (topic/partition@offset)  CODE  TYPE  MESSAGE-ID  DETAIL\n',
      );
      for (const d of shown) process.stdout.write(`${oneLine(d)}\n`);
    }
    return 0;
  }
  if (command === 'show') {
    const d = all.find((x) => x.id === ids[0]);
    if (d === undefined) {
      process.stderr.write(`no dead letter ${ids[0]} on ${deadLetterTopic}\n`);
      return 1;
    }
    process.stdout.write(`${JSON.stringify(full(d), null, 2)}\n`);
    return 0;
  }
  const producer = await createProducer(kafka);
  try {
    const outcomes = await replayDeadLetters(producer, all, ids);
    for (const o of outcomes)
      process.stdout.write(`${o.id}: ${o.replayed ? 'replayed' : 'not replayed'}, ${o.note}\n`);
    return outcomes.every((o) => o.replayed) ? 0 : 1;
  } finally {
    await producer.disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('dlq failed:', err);
    process.exit(1);
  },
);
