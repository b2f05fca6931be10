import { describe, expect, it } from 'vitest';
import { isReplayState, originOf, prettyPayload, replayOffer } from './dead-letters';

describe('dead-letter screens', () => {
  it('indents a JSON payload and shows anything else as it is', () => {
    expect(prettyPayload('{"a":1}')).toEqual({ text: '{\n  "a": 1\n}', json: true });
    expect(prettyPayload('not json {')).toEqual({ text: 'not json {', json: false });
    expect(prettyPayload(null)).toEqual({ text: '(no value)', json: false });
  });

  it('offers a replay unless no service can replay it or it was replayed, and says why not', () => {
    expect(
      replayOffer({ replayService: 'account-ledger', replayRefusal: null, replayState: 'failed' }),
    ).toEqual({
      offered: true,
    });
    expect(
      replayOffer({ replayService: 'saga-orchestrator', replayRefusal: null, replayState: 'requested' }),
    ).toEqual({ offered: true });
    expect(
      replayOffer({ replayService: null, replayRefusal: 'rebuild instead', replayState: 'not_replayed' }),
    ).toEqual({ offered: false, why: 'rebuild instead' });
    expect(
      replayOffer({ replayService: 'account-ledger', replayRefusal: null, replayState: 'replayed' }),
    ).toMatchObject({ offered: false });
  });

  it('names the origin as topic/partition@offset and knows the replay states', () => {
    expect(originOf({ originalTopic: 't', originalPartition: 2, originalOffset: '17' })).toBe('t/2@17');
    expect(originOf({ originalTopic: null, originalPartition: null, originalOffset: null })).toBe('unknown');
    expect(isReplayState('failed')).toBe(true);
    expect(isReplayState('gone')).toBe(false);
  });
});
