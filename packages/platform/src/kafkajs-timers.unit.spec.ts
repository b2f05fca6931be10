import { afterEach, describe, expect, it } from 'vitest';

interface RequestQueue {
  scheduleCheckPendingRequests(): void;
  destroy(): void;
}

const quiet = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  namespace() {
    return quiet;
  },
};

/**
 * kafkajs 2.2.4 asks for a negative timer whenever a connection's request queue is checked while not
 * throttled, and Node 24 prints a TimeoutNegativeWarning for it on every connection (patches/).
 */
describe('the patched kafkajs request queue', () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => void warnings.push(w.name);
  afterEach(() => void process.off('warning', onWarning));

  it('schedules its check of pending requests without a negative delay', async () => {
    // An internal module of kafkajs, without types of its own.
    const internal: string = 'kafkajs/src/network/requestQueue/index.js';
    const { default: RequestQueueClass } = (await import(internal)) as {
      default: new (options: unknown) => RequestQueue;
    };
    const queue = new RequestQueueClass({
      instrumentationEmitter: { emit() {} },
      maxInFlightRequests: 1,
      requestTimeout: 1000,
      enforceRequestTimeout: false,
      clientId: 'timers-test',
      broker: 'nowhere:9092',
      logger: quiet,
      isConnected: () => true,
    });
    process.on('warning', onWarning);
    queue.scheduleCheckPendingRequests();
    // A warning is emitted on the next tick after the timer is created; the check itself runs in 1 ms.
    await new Promise((resolve) => setImmediate(resolve));
    queue.destroy();
    expect(warnings).not.toContain('TimeoutNegativeWarning');
  });
});
