// Turn an event into the bytes of the text/event-stream format (WHATWG HTML, "Server-sent events").

export interface ServerSentEvent {
  /** Event type: the browser dispatches it to addEventListener(event). Absent = "message". */
  event?: string;
  /** Absent: a block with no data, which sets id or retry but dispatches no event. */
  data?: string;
  id?: string;
  /** Reconnection delay in milliseconds the browser should use from now on. */
  retry?: number;
}

// CR, LF and CRLF all end a line in an event stream, so all three must be handled.
const lineBreak = /\r\n|\r|\n/;

// #region encode-event
export function encodeEvent({ event, data, id, retry }: ServerSentEvent): string {
  let frame = "";
  // A line break inside `event` or `id` would end the field and start a new one:
  // text from a user could forge fields. Refuse it rather than guess what was meant.
  if (event !== undefined) {
    if (lineBreak.test(event)) throw new Error("event name must not contain CR or LF");
    // `event: ` with no name is delivered as a plain `message`: surely not what was meant.
    if (event === "") throw new Error("event name must not be empty (leave it out for message)");
    frame += `event: ${event}\n`;
  }
  if (id !== undefined) {
    if (lineBreak.test(id)) throw new Error("event id must not contain CR or LF");
    // Browsers ignore an id containing NUL, which would silently break resuming.
    if (id.includes("\0")) throw new Error("event id must not contain NUL");
    frame += `id: ${id}\n`;
  }
  if (retry !== undefined) {
    if (!Number.isInteger(retry) || retry < 0)
      throw new Error("retry must be a whole number of ms");
    frame += `retry: ${retry}\n`;
  }
  // Each line of the data gets its own `data:` field; the client joins them with "\n".
  // "hi\n\nevent: admin" thus arrives as data, never as a second event.
  if (data !== undefined) for (const line of data.split(lineBreak)) frame += `data: ${line}\n`;
  // The blank line dispatches the event.
  return `${frame}\n`;
}
// #endregion

/** A comment line: clients ignore it, proxies see traffic. */
export function encodeComment(text: string): string {
  return `${text
    .split(lineBreak)
    .map((line) => `: ${line}`)
    .join("\n")}\n\n`;
}
