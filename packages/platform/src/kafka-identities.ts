import { readFileSync } from 'node:fs';
import type { ServiceName } from '@billing/contracts/topics';
import { z } from 'zod';
import { kafkaEnv, parseConfig } from './config';
import { kafkaSecurity, type KafkaSecurity } from './kafka';

const identitySchema = z.object({
  mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
  username: z.string().min(1),
  password: z.string().min(1),
});

/** The file infra/local/kafka.sh generates per machine (git-ignored, mode 600). */
const credentialsFileSchema = z.object({
  admin: identitySchema,
  services: z.record(z.string(), identitySchema),
});

export type KafkaIdentity = z.output<typeof identitySchema>;

/**
 * The broker identities of a local run or a test run: a super user for provisioning (topics, ACLs) and
 * test probes, and one identity per service, handed to each service as its KAFKA_SASL_* variables.
 */
export interface BrokerIdentities {
  /** Where they came from, for log lines: the credentials file, KAFKA_SASL_* or nothing. */
  source: 'credentials-file' | 'environment' | 'none';
  admin: KafkaSecurity;
  /** The variables that give `service` its own identity (empty for a broker without SASL). */
  serviceEnv(service: ServiceName): Record<string, string>;
}

const SECURITY_VARIABLES = [
  'KAFKA_SASL_MECHANISM',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD',
  'KAFKA_SSL',
  'KAFKA_SSL_CA_FILE',
  'KAFKA_SSL_CERT_FILE',
  'KAFKA_SSL_KEY_FILE',
] as const;

/** The client security that a set of KAFKA_* variables describes, validated as a service would. */
export function securityFromEnv(env: NodeJS.ProcessEnv | Record<string, string>): KafkaSecurity {
  return kafkaSecurity(parseConfig(z.object(kafkaEnv), env));
}

/**
 * Reads the identities from `KAFKA_CREDENTIALS_FILE` (the local broker's, exported by scripts/setup.sh),
 * else takes the one identity of KAFKA_SASL_* (an external broker: provisioning and every service share
 * it, and its ACLs are that broker's business), else none (a broker without authentication).
 */
export function loadBrokerIdentities(env: NodeJS.ProcessEnv): BrokerIdentities {
  const file = env.KAFKA_CREDENTIALS_FILE;
  if (file !== undefined && file !== '') {
    const parsed = credentialsFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new Error(`KAFKA_CREDENTIALS_FILE ${file}: ${parsed.error.message}`);
    const { admin, services } = parsed.data;
    return {
      source: 'credentials-file',
      admin: { sasl: admin },
      serviceEnv: (service) => {
        const identity = services[service];
        if (identity === undefined)
          throw new Error(`KAFKA_CREDENTIALS_FILE ${file} has no identity for ${service}`);
        return {
          KAFKA_SASL_MECHANISM: identity.mechanism,
          KAFKA_SASL_USERNAME: identity.username,
          KAFKA_SASL_PASSWORD: identity.password,
        };
      },
    };
  }
  const shared = Object.fromEntries(
    SECURITY_VARIABLES.flatMap((name) => (env[name] ? [[name, env[name]] as const] : [])),
  );
  const admin = securityFromEnv(env);
  return {
    source: admin.sasl === undefined ? 'none' : 'environment',
    admin,
    serviceEnv: () => ({ ...shared }),
  };
}
