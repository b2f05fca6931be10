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
});
