import { TOPICS, topicName, type ServiceName, type TopicId } from '@billing/contracts/topics';
import { delay } from './wait';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
  type AclEntry,
  type Admin,
} from 'kafkajs';

/**
 * One permission of one service, derived from the topic registry (who writes and who reads each topic),
 * so that the registry stays the only place that says who may do what on the broker.
 */
export interface AclGrant {
  service: ServiceName;
  resource: 'topic' | 'group' | 'cluster';
  /** Topics are named literally; groups by the prefix they all share; the cluster is `kafka-cluster`. */
  pattern: 'literal' | 'prefixed';
  name: string;
  operation: 'WRITE' | 'READ' | 'DESCRIBE' | 'DELETE' | 'IDEMPOTENT_WRITE';
}

/** Every service that the registry names as a producer or consumer of some topic. */
export function registryServices(): ServiceName[] {
  const names = new Set<ServiceName>();
  for (const topic of Object.values(TOPICS)) {
    for (const s of topic.producers) names.add(s);
    for (const s of topic.consumers) names.add(s);
  }
  return [...names].sort();
}

/** The broker principal of a service: its SASL username, which is the service's name. */
export function principalOf(service: ServiceName): string {
  return `User:${service}`;
}

/**
 * The grants of a deployment whose topics and groups carry `prefix`:
 * - a producer of a topic may WRITE (and DESCRIBE) it, a consumer may READ (and DESCRIBE) it; the
 *   dead-letter topic lists every consumer as a producer, and the query reply topic the projection;
 * - a consumer may READ (join, commit) and DELETE every group named `<prefix><service>…`, which is how
 *   groups are named (`groupName` in kafka.ts; Nest adds `-client`/`-server` behind it); DELETE lets the
 *   projection's rebuild remove its temporary group, and no group outside the prefix;
 * - a producer may IDEMPOTENT_WRITE on the cluster, for its idempotent producer's InitProducerId (brokers
 *   since 2.8 also accept WRITE on any topic; the explicit grant does not depend on that). No service
 *   uses transactions, so no transactional-id grants exist.
 */
export function aclGrants(prefix: string): AclGrant[] {
  const grants: AclGrant[] = [];
  const producers = new Set<ServiceName>();
  const consumers = new Set<ServiceName>();
  for (const id of Object.keys(TOPICS) as TopicId[]) {
    const name = topicName(id, prefix);
    for (const service of TOPICS[id].producers) {
      producers.add(service);
      for (const operation of ['WRITE', 'DESCRIBE'] as const)
        grants.push({ service, resource: 'topic', pattern: 'literal', name, operation });
    }
    for (const service of TOPICS[id].consumers) {
      consumers.add(service);
      for (const operation of ['READ', 'DESCRIBE'] as const)
        grants.push({ service, resource: 'topic', pattern: 'literal', name, operation });
    }
  }
  for (const service of [...consumers].sort())
    for (const operation of ['READ', 'DELETE'] as const)
      grants.push({
        service,
        resource: 'group',
        pattern: 'prefixed',
        name: `${prefix}${service}`,
        operation,
      });
  for (const service of [...producers].sort())
    grants.push({
      service,
      resource: 'cluster',
      pattern: 'literal',
      name: 'kafka-cluster',
      operation: 'IDEMPOTENT_WRITE',
    });
  return dedupe(grants);
}

function dedupe(grants: AclGrant[]): AclGrant[] {
  const seen = new Map<string, AclGrant>();
  for (const g of grants) seen.set(`${g.service}|${g.resource}|${g.pattern}|${g.name}|${g.operation}`, g);
  return [...seen.values()];
}

function toEntry(grant: AclGrant): AclEntry {
  return {
    principal: principalOf(grant.service),
    host: '*',
    resourceType: {
      topic: AclResourceTypes.TOPIC,
      group: AclResourceTypes.GROUP,
      cluster: AclResourceTypes.CLUSTER,
    }[grant.resource],
    resourceName: grant.name,
    resourcePatternType:
      grant.pattern === 'literal' ? ResourcePatternTypes.LITERAL : ResourcePatternTypes.PREFIXED,
    operation: AclOperationTypes[grant.operation],
    permissionType: AclPermissionTypes.ALLOW,
  };
}

/**
 * Creates the registry's ACLs for one prefix (creating an existing ACL is a no-op on the broker). A broker
 * without an authorizer answers SECURITY_DISABLED: then there is nothing to enforce, which is reported
 * rather than treated as a failure, so a development broker without SASL keeps working.
 */
export async function ensureAcls(
  admin: Admin,
  prefix: string,
  timeoutMs = 30_000,
): Promise<'created' | 'no-authorizer'> {
  const entries = aclGrants(prefix).map(toEntry);
  try {
    await admin.createAcls({ acl: entries });
  } catch (err) {
    if (securityDisabled(err)) return 'no-authorizer';
    throw err;
  }
  await waitUntilVisible(admin, [entries[0]!, entries[entries.length - 1]!], timeoutMs);
  return 'created';
}

/**
 * CreateAcls returns once the controller has committed the ACLs; the broker's authorizer applies them a
 * moment later, and a service that starts in that window is refused. The broker answers DescribeAcls
 * from its own authorizer, so wait (bounded) until it shows them. The controller writes one request's
 * ACLs in one batch, so the first and the last stand for all.
 */
async function waitUntilVisible(admin: Admin, entries: AclEntry[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await Promise.all(
      entries.map(async (e) => {
        const { resources } = await admin.describeAcls({
          resourceType: e.resourceType,
          resourceName: e.resourceName,
          resourcePatternType: e.resourcePatternType,
          principal: e.principal,
          host: e.host,
          operation: e.operation,
          permissionType: e.permissionType,
        });
        return resources.some((r) => r.acls.length > 0);
      }),
    );
    if (found.every(Boolean)) return;
    if (Date.now() > deadline)
      throw new Error(`ACLs for ${entries[0]!.resourceName} not visible after ${timeoutMs} ms`);
    await delay(50);
  }
}

function securityDisabled(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    if ((e as { type?: unknown }).type === 'SECURITY_DISABLED') return true;
    if (/security features are disabled/i.test(e.message)) return true;
    const inner = (e as { errors?: unknown }).errors;
    if (Array.isArray(inner) && inner.some(securityDisabled)) return true;
  }
  return false;
}
