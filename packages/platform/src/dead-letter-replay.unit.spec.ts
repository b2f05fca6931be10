import { fixtures } from '@billing/contracts/fixtures';
import { describe, expect, it } from 'vitest';
import { decideReplay, type ReplayTarget } from './dead-letter-replay';

const PREFIX = 'run-1.';
const handler = async () => undefined;
const targets: ReplayTarget[] = [
  { groupId: `${PREFIX}saga-orchestrator.transaction-commands`, topic: 'transactionCommands', handler },
  { groupId: `${PREFIX}saga-orchestrator.ledger-events`, topic: 'ledgerEvents', handler },
];
const request = {
  ...fixtures.ReplayDeadLetter.data,
  consumerGroup: `${PREFIX}saga-orchestrator.transaction-commands`,
  originalTopic: `${PREFIX}billing.transaction.commands`,
};

describe('which replay requests a service answers', () => {
  it('reads the original for its own consumer group on the topic that group consumes', () => {
    const decision = decideReplay(request, 'saga-orchestrator', PREFIX, targets);
    expect(decision).toMatchObject({ kind: 'read', topic: `${PREFIX}billing.transaction.commands` });
    expect(decision.kind === 'read' && decision.target).toBe(targets[0]);
  });

  it("ignores another service's requests: that service answers them", () => {
    expect(decideReplay(request, 'account-ledger', PREFIX, [])).toEqual({ kind: 'ignore' });
  });

  it('refuses a group it does not have, or a topic its group does not read, as not replayable', () => {
    expect(
      decideReplay(
        { ...request, consumerGroup: `${PREFIX}saga-orchestrator.retired` },
        'saga-orchestrator',
        PREFIX,
        targets,
      ),
    ).toMatchObject({ kind: 'refuse', code: 'DEAD_LETTER.NOT_REPLAYABLE' });
    expect(
      decideReplay(
        { ...request, originalTopic: `${PREFIX}billing.ledger.events` },
        'saga-orchestrator',
        PREFIX,
        targets,
      ),
    ).toMatchObject({ kind: 'refuse', code: 'DEAD_LETTER.NOT_REPLAYABLE' });
  });

  it('picks the target of the original topic in a group of several topics', () => {
    const both: ReplayTarget[] = [
      { groupId: `${PREFIX}saga-orchestrator.workflows`, topic: 'transactionCommands', handler },
      { groupId: `${PREFIX}saga-orchestrator.workflows`, topic: 'ledgerEvents', handler },
    ];
    const ofGroup = { ...request, consumerGroup: `${PREFIX}saga-orchestrator.workflows` };
    const events = decideReplay(
      { ...ofGroup, originalTopic: `${PREFIX}billing.ledger.events` },
      'saga-orchestrator',
      PREFIX,
      both,
    );
    expect(events.kind === 'read' && events.target).toBe(both[1]);
    const refused = decideReplay(
      { ...ofGroup, originalTopic: `${PREFIX}billing.account.commands` },
      'saga-orchestrator',
      PREFIX,
      both,
    );
    expect(refused).toMatchObject({ kind: 'refuse', code: 'DEAD_LETTER.NOT_REPLAYABLE' });
    expect(refused.kind === 'refuse' && refused.detail).toContain(
      `reads ${PREFIX}billing.transaction.commands, ${PREFIX}billing.ledger.events`,
    );
  });
});
