import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * What patches/kafkajs@2.2.4.patch changes in kafkajs, held to the behaviour it must keep. The modules
 * are kafkajs internals without types of their own, hence the loose imports.
 */
async function internal<T>(path: string): Promise<T> {
  const specifier: string = `kafkajs/src/${path}`;
  return ((await import(specifier)) as { default: T }).default;
}

interface RequestQueue {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: unknown;
  scheduleCheckPendingRequests(): void;
  checkPendingRequests(): void;
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

async function requestQueue(): Promise<RequestQueue> {
  const RequestQueueClass = await internal<new (options: unknown) => RequestQueue>(
    'network/requestQueue/index.js',
  );
  return new RequestQueueClass({
    instrumentationEmitter: { emit() {} },
    maxInFlightRequests: 1,
    requestTimeout: 1000,
    enforceRequestTimeout: false,
    clientId: 'patch-test',
    broker: 'nowhere:9092',
    logger: quiet,
    isConnected: () => true,
  });
}

describe('the patched kafkajs request queue', () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => void warnings.push(w.name);
  afterEach(() => void process.off('warning', onWarning));

  it('sets no timer while nothing is pending (2.2.4 ran a 1 ms timer per connection forever)', async () => {
    const queue = await requestQueue();
    queue.checkPendingRequests();
    expect(queue.throttleCheckTimeoutId).toBeNull();
    queue.scheduleCheckPendingRequests();
    expect(queue.throttleCheckTimeoutId).toBeNull();
    queue.destroy();
  });

  it('still checks a waiting request later, throttled or not, without a negative delay', async () => {
    const queue = await requestQueue();
    process.on('warning', onWarning);
    // A request waits (the in-flight limit is full, or the broker throttles): a check is scheduled.
    queue.pending.push({});
    queue.throttledUntil = Date.now() - 5;
    queue.scheduleCheckPendingRequests();
    expect(queue.throttleCheckTimeoutId).not.toBeNull();
    // A warning is emitted on the next tick after the timer is created.
    await new Promise((resolve) => setImmediate(resolve));
    queue.pending.length = 0;
    queue.destroy();
    expect(warnings).not.toContain('TimeoutNegativeWarning');
  });
});

describe('the patched murmur2 of the default partitioner', () => {
  it("gives Java Kafka's results (its own test vectors), so keys land on the same partitions", async () => {
    const murmur2 = await internal<(key: string | Buffer) => number>(
      'producer/partitioners/default/murmur2.js',
    );
    const cases: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
      // Computed with the unpatched (BigInt Long) implementation.
      ['', 275646681],
      ['0192f3c4-7a1b-7c2d-8e3f-4a5b6c7d8e9f', 274553220],
    ];
    for (const [key, hash] of cases) {
      expect(murmur2(key)).toBe(hash);
      expect(murmur2(Buffer.from(key))).toBe(hash);
    }
  });
});

/** CRC-32C one byte at a time, from the polynomial: the reference the table-driven form must match. */
function crc32cReference(buffer: Buffer): number {
  let crc = ~0;
  for (const byte of buffer) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return ~crc >>> 0;
}

describe('the patched CRC-32C of record batches', () => {
  it('matches the check value and a bitwise reference at every length and alignment', async () => {
    const crc32c = await internal<(buffer: Buffer) => number>('protocol/recordBatch/crc32C/index.js');
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    for (let length = 0; length < 300; length++) {
      const bytes = randomBytes(length + 3);
      for (const start of [0, 1, 3]) {
        const slice = bytes.subarray(start, start + length);
        expect(crc32c(slice)).toBe(crc32cReference(slice));
      }
    }
  });
});

interface Long {
  toString(): string;
}
interface LongStatic {
  fromValue(value: number | string): Long;
}

describe('the patched varlong decoding', () => {
  it('reads back what the encoder wrote, short and long, positive and negative', async () => {
    const Encoder =
      await internal<new () => { writeVarLong(v: Long): { buffer: Buffer } }>('protocol/encoder.js');
    const Decoder =
      await internal<new (b: Buffer) => { offset: number; readVarLong(): Long }>('protocol/decoder.js');
    const LongClass = await internal<LongStatic>('utils/long.js');
    const values: (number | string)[] = [0, 1, -1, 63, -64, 64, -65, 1000, 2 ** 31, -(2 ** 31)];
    values.push(2 ** 48 - 1, 2 ** 48, -(2 ** 48), 2 ** 49, 2 ** 53 - 1, -(2 ** 53) + 1);
    values.push('9223372036854775807', '-9223372036854775808', '1234567890123456789');
    for (let i = 0; i < 500; i++) {
      const magnitude = Math.floor(Math.random() * 2 ** Math.floor(Math.random() * 53));
      values.push(i % 2 === 0 ? magnitude : -magnitude);
    }
    for (const value of values) {
      const long = LongClass.fromValue(value);
      const encoded = new Encoder().writeVarLong(long).buffer;
      // A record's bytes go on after the varlong: the decoder must stop exactly at its end.
      const decoder = new Decoder(Buffer.concat([encoded, Buffer.from([0x55])]));
      expect(decoder.readVarLong().toString()).toBe(long.toString());
      expect(decoder.offset).toBe(encoded.length);
    }
  });
});
