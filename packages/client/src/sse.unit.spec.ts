import { describe, expect, it } from 'vitest';
import { parseFrame, parseSse } from './sse.js';

function streamOf(...chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function collect(body: ReadableStream<Uint8Array>) {
  const frames = [];
  for await (const frame of parseSse(body)) frames.push(frame);
  return frames;
}

describe('parseSse', () => {
  it('yields each frame with its id, event name and data, across chunk boundaries', async () => {
    const frames = await collect(
      streamOf(
        ': stream open\n\nid: e1\nevent: Transaction',
        'Completed\ndata: {"a":1}\n\nid: e2\ndata: x\n\n',
      ),
    );
    expect(frames).toEqual([
      { id: 'e1', event: 'TransactionCompleted', data: '{"a":1}' },
      { id: 'e2', event: 'message', data: 'x' },
    ]);
  });

  it('skips heartbeat comments and accepts CRLF line ends', async () => {
    expect(await collect(streamOf(': heartbeat\r\n\r\ndata: one\r\ndata: two\r\n\r\n'))).toEqual([
      { id: undefined, event: 'message', data: 'one\ntwo' },
    ]);
  });

  it('drops an unfinished frame when the stream ends', async () => {
    expect(await collect(streamOf('data: half'))).toEqual([]);
  });
});

describe('parseFrame', () => {
  it('is no event for a frame without data', () => {
    expect(parseFrame('id: 7\nevent: replay-gap')).toBeUndefined();
  });
});
