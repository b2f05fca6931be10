import { describe, expect, it } from 'vitest';
import { SERVICE_HEAP_OPTIONS, serviceNodeOptions } from './services';

describe('the services’ NODE_OPTIONS', () => {
  it('start with the heap bound and let what the caller adds come after it, so a later bound wins', () => {
    expect(serviceNodeOptions()).toBe(SERVICE_HEAP_OPTIONS);
    expect(serviceNodeOptions(undefined, '  ')).toBe(SERVICE_HEAP_OPTIONS);
    expect(serviceNodeOptions('--cpu-prof', '--max-old-space-size=512')).toBe(
      `${SERVICE_HEAP_OPTIONS} --cpu-prof --max-old-space-size=512`,
    );
  });
});
