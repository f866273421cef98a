// Bytes off the network → server-sent events. Runs the same in the browser and in Node.
// The network cuts a stream wherever it likes: an event, a line, even one character can
// arrive in two chunks. Nothing here may assume a chunk holds whole events.
import type { EventSourceMessage } from "eventsource-parser";

export type { EventSourceMessage };

/**
 * Read a response body (fetch's `response.body`) and yield each event as soon as its blank
 * line has arrived. `onChunk` sees every network chunk as it arrives (the page counts them).
 */
export async function* readEventStream(
  body: ReadableStream<Uint8Array>,
  { onChunk }: { onChunk?: (bytes: Uint8Array) => void } = {},
): AsyncGenerator<EventSourceMessage> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      onChunk?.(value);
      // TODO 1: one event may come in several chunks, and lines may end in \r\n: feed the text to
      // eventsource-parser's `createParser({ onEvent })` instead of splitting each chunk on blank lines.
      // TODO 2: one chunk may end in the middle of a character (é is 2 bytes, 🙂 is 4): decode with
      // ONE TextDecoder for the whole stream, `decoder.decode(value, { stream: true })`, flushed at the end.
      const text = new TextDecoder().decode(value);
      for (const block of text.split("\n\n")) {
        const lines = block.split("\n");
        const event = lines.find((line) => line.startsWith("event: "))?.slice("event: ".length);
        const data = lines.filter((line) => line.startsWith("data: ")).map((line) => line.slice(6));
        if (data.length > 0) yield { event, data: data.join("\n"), id: undefined };
      }
    }
  } finally {
    // The caller stopped early (break, an error, abort): let go of the connection.
    await reader.cancel().catch(() => {});
  }
}
