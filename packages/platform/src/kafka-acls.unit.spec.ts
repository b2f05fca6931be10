import { describe, expect, it } from 'vitest';
import { aclGrants, type AclGrant } from './kafka-acls';

const prefix = 't-run.';

function who(
  grants: AclGrant[],
  resource: AclGrant['resource'],
  name: string,
  operation: AclGrant['operation'],
) {
  return grants
    .filter((g) => g.resource === resource && g.name === name && g.operation === operation)
    .map((g) => g.service)
    .sort();
}

describe('ACLs derived from the topic registry', () => {
  const grants = aclGrants(prefix);

  it('lets only the gateway write transaction commands and queries', () => {
    expect(who(grants, 'topic', `${prefix}billing.transaction.commands`, 'WRITE')).toEqual([
      'command-gateway',
    ]);
    expect(who(grants, 'topic', `${prefix}billing.queries`, 'WRITE')).toEqual(['command-gateway']);
  });

  it('lets only the saga write ledger commands, and only the ledger write ledger events', () => {
    expect(who(grants, 'topic', `${prefix}billing.ledger.commands`, 'WRITE')).toEqual(['saga-orchestrator']);
    expect(who(grants, 'topic', `${prefix}billing.ledger.events`, 'WRITE')).toEqual(['account-ledger']);
  });

  it('lets every service write the dead-letter topic and only the read side read it', () => {
    expect(who(grants, 'topic', `${prefix}billing.dead-letter`, 'WRITE')).toEqual([
      'account-ledger',
      'command-gateway',
      'projection-query',
      'saga-orchestrator',
    ]);
    expect(who(grants, 'topic', `${prefix}billing.dead-letter`, 'READ')).toEqual(['projection-query']);
  });

  it('lets only the gateway ask for replays, and only the replaying services answer them', () => {
    expect(who(grants, 'topic', `${prefix}billing.dead-letter.replays`, 'WRITE')).toEqual([
      'command-gateway',
    ]);
    expect(who(grants, 'topic', `${prefix}billing.dead-letter.replays`, 'READ')).toEqual([
      'account-ledger',
      'projection-query',
      'saga-orchestrator',
    ]);
    expect(who(grants, 'topic', `${prefix}billing.dead-letter.replay-outcomes`, 'WRITE')).toEqual([
      'account-ledger',
      'saga-orchestrator',
    ]);
    expect(who(grants, 'topic', `${prefix}billing.dead-letter.replay-outcomes`, 'READ')).toEqual([
      'projection-query',
    ]);
  });

  it('lets the projection answer on the reply topic that the gateway reads', () => {
    expect(who(grants, 'topic', `${prefix}billing.queries.reply`, 'WRITE')).toEqual(['projection-query']);
    expect(who(grants, 'topic', `${prefix}billing.queries.reply`, 'READ')).toEqual(['command-gateway']);
  });

  it("gives each consumer the groups under its own name, prefixed, and no one else's", () => {
    const groups = grants.filter((g) => g.resource === 'group' && g.operation === 'READ');
    expect(groups.every((g) => g.pattern === 'prefixed' && g.name === `${prefix}${g.service}`)).toBe(true);
    expect(groups.map((g) => g.service).sort()).toEqual([
      'account-ledger',
      'command-gateway',
      'projection-query',
      'saga-orchestrator',
    ]);
  });

  it('names topics literally, so one prefix never covers another run', () => {
    expect(grants.filter((g) => g.resource === 'topic').every((g) => g.pattern === 'literal')).toBe(true);
    expect(grants.filter((g) => g.resource !== 'cluster').every((g) => g.name.startsWith(prefix))).toBe(true);
  });

  it('grants idempotent writes on the cluster to producers, and no transactional ids', () => {
    expect(who(grants, 'cluster', 'kafka-cluster', 'IDEMPOTENT_WRITE')).toHaveLength(4);
    expect(grants.some((g) => (g.resource as string) === 'transactional-id')).toBe(false);
  });
});
