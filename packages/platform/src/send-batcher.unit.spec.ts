import type { Producer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { SendBatcher } from './send-batcher';

/** A producer that records each produce request and acknowledges it when told to. */
function recordingProducer() {
  const requests: string[][] = [];
  const acks: ((err?: Error) => void)[] = [];
  const producer = {
    sendBatch: (req: { topicMessages: { messages: { value: string }[] }[] }) => {
      requests.push(req.topicMessages.flatMap((t) => t.messages.map((m) => m.value)));
      return new Promise((resolve, reject) => acks.push((err) => (err ? reject(err) : resolve([]))));
    },
  } as unknown as Producer;
  return { producer, requests, acks };
}

const msg = (value: string) => ({ topic: 't', key: 'k', value, headers: {} });
const until = async (cond: () => boolean) => {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('SendBatcher', () => {
  it('sends messages of the same moment in one produce request, and each caller learns its outcome', async () => {
    const { producer, requests, acks } = recordingProducer();
    const batcher = new SendBatcher(producer, { lingerMs: 1, batchSizeMax: 100 });
    const sent = ['a', 'b', 'c'].map((v) => batcher.send(msg(v)));
    await until(() => requests.length === 1);
    expect(requests).toEqual([['a', 'b', 'c']]);
    acks[0]!();
    await expect(Promise.all(sent)).resolves.toBeDefined();
  });

  it('queues what arrives during a request for the next one, in order, and fails only the failed batch', async () => {
    const { producer, requests, acks } = recordingProducer();
    const batcher = new SendBatcher(producer, { lingerMs: 1, batchSizeMax: 2 });
    const first = batcher.send(msg('1'));
    await until(() => requests.length === 1);
    const later = ['2', '3', '4'].map((v) => batcher.send(msg(v)));
    acks[0]!(new Error('broker said no'));
    await expect(first).rejects.toThrow('broker said no');
    await until(() => requests.length === 2);
    expect(requests[1]).toEqual(['2', '3']);
    acks[1]!();
    await until(() => requests.length === 3);
    expect(requests[2]).toEqual(['4']);
    acks[2]!();
    await expect(Promise.all(later)).resolves.toBeDefined();
  });
});
