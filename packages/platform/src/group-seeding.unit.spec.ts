import { describe, expect, it } from 'vitest';
import { withCoordinatorRetries } from './group-seeding';

describe('admin calls while the group coordinator is not ready', () => {
  it('runs the call again after a retriable error, and returns its answer', async () => {
    let calls = 0;
    const answer = await withCoordinatorRetries(async () => {
      calls++;
      if (calls < 3)
        throw Object.assign(new Error('This is not the correct coordinator for this group'), {
          retriable: true,
        });
      return 'offsets';
    });
    expect(answer).toBe('offsets');
    expect(calls).toBe(3);
  });

  it('throws a non-retriable error at once', async () => {
    let calls = 0;
    await expect(
      withCoordinatorRetries(async () => {
        calls++;
        throw Object.assign(new Error('not authorized'), { retriable: false });
      }),
    ).rejects.toThrow('not authorized');
    expect(calls).toBe(1);
  });
});
