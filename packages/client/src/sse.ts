/**
 * A text/event-stream parser as an async iterator, for fetch bodies. EventSource cannot send an API-key
 * header, so browsers and Node alike read the stream through fetch and this parser. It follows the
 * WHATWG event-stream rules the gateway uses: `id`, `event`, `data` fields, comment lines starting with
 * a colon, a blank line ending a frame.
 */

export interface SseFrame {
  id: string | undefined;
  event: string;
  data: string;
}

/** A frame longer than this is dropped, so a broken stream cannot grow memory without bound. */
export const SSE_FRAME_CHARS_MAX = 1_000_000;

export async function* parseSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseFrame> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let buffer = '';
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const frame = parseFrame(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (frame) yield frame;
        end = buffer.indexOf('\n\n');
      }
      if (buffer.length > SSE_FRAME_CHARS_MAX) buffer = '';
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** One frame's lines; a frame of comments only (heartbeats) is no event. */
export function parseFrame(text: string): SseFrame | undefined {
  let id: string | undefined;
  let event = 'message';
  const data: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return data.length === 0 ? undefined : { id, event, data: data.join('\n') };
}
