import { fixtures } from '@billing/contracts/fixtures';
import { describe, expect, it } from 'vitest';
import { operatorActionRow } from './operator-actions.projection';
import { timelineSteps } from './timeline.query';

describe('operators’ actions in the read model', () => {
  it('records each action with who did it, its note or step, and its event’s HLC stamp', () => {
    expect(operatorActionRow(fixtures.TransactionStepRetried)).toMatchObject({
      transaction_id: fixtures.TransactionStepRetried.data.transactionId,
      hlc: fixtures.TransactionStepRetried.hlc,
      kind: 'step_retried',
      label: 'PlaceHold',
      note: null,
      at: fixtures.TransactionStepRetried.data.at,
    });
    expect(operatorActionRow(fixtures.TransactionInvestigationFlagged)).toMatchObject({
      kind: 'investigation_flagged',
      note: fixtures.TransactionInvestigationFlagged.data.note,
      actor: JSON.stringify(fixtures.TransactionInvestigationFlagged.data.flaggedBy),
    });
    expect(operatorActionRow(fixtures.TransactionInvestigationCleared)).toMatchObject({
      kind: 'investigation_cleared',
      at: fixtures.TransactionInvestigationCleared.data.clearedAt,
    });
  });

  it('places the actions in the timeline by time, with actor and note, after the final status when later', () => {
    const admin = { kind: 'admin' as const, id: 'ops-1' };
    const steps = timelineSteps(
      { createdAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:05:00.000Z', status: 'completed' },
      [],
      [],
      [
        {
          at: '2026-01-01T00:04:00.000Z',
          kind: 'step_retried',
          label: 'PostEntry post',
          note: null,
          actor: admin,
        },
        {
          at: '2026-01-01T00:06:00.000Z',
          kind: 'investigation_flagged',
          label: 'flagged',
          note: 'why',
          actor: admin,
        },
      ],
    );
    expect(steps.map((s) => s.kind)).toEqual([
      'created',
      'step_retried',
      'finished',
      'investigation_flagged',
    ]);
    expect(steps[1]).toMatchObject({ label: 'PostEntry post', actor: admin, note: null });
    expect(steps[3]).toMatchObject({ note: 'why', actor: admin });
    expect(steps[0]).toMatchObject({ actor: null, note: null });
  });
});
