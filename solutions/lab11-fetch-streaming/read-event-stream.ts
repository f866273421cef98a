// Bytes off the network → server-sent events. Runs the same in the browser and in Node.
// The network cuts a stream wherever it likes: an event, a line, even one character can
// arrive in two chunks. Nothing here may assume a chunk holds whole events.
import { createParser, type EventSourceMessage } from "eventsource-parser";

export type { EventSourceMessage };

/**
 * Read a response body (fetch's `response.body`) and yield each event as soon as its blank
 * line has arrived. `onChunk` sees every network chunk as it arrives (the page counts them).
 */
export async function* readEventStream(
  body: ReadableStream<Uint8Array>,
  { onChunk }: { onChunk?: (bytes: Uint8Array) => void } = {},
): AsyncGenerator<EventSourceMessage> {
  const ready: EventSourceMessage[] = [];
  // #region parser-and-decoder
  // eventsource-parser keeps the unfinished line and event between feeds, and knows that
  // a line may end in \n, \r\n or a lone \r (even with the \r and \n in two chunks).
  const parser = createParser({ onEvent: (event) => ready.push(event) });
  // One decoder for the whole stream: with { stream: true } it keeps the first bytes of a
  // character that was cut in two, instead of turning each half into "\uFFFD".
  const decoder = new TextDecoder();
  // #endregion
  const reader = body.getReader();
  try {
    // #region read-loop
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      onChunk?.(value);
      parser.feed(decoder.decode(value, { stream: true }));
      yield* ready.splice(0);
    }
    parser.feed(decoder.decode()); // whatever the decoder still held
    yield* ready.splice(0);
    // #endregion
  } finally {
    // The caller stopped early (break, an error, abort): let go of the connection.
    await reader.cancel().catch(() => {});
  }
}
