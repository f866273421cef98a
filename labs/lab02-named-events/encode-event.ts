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
  // #region refuse-line-breaks
  // TODO 2: a line break inside `event` or `id` would end the field and let user text forge
  // new fields. Throw an Error when either contains CR or LF, or the id contains NUL ("\0"),
  // or the event name is empty (browsers deliver `event: ` as a plain `message`).
  if (event !== undefined) frame += `event: ${event}\n`;
  if (id !== undefined) frame += `id: ${id}\n`;
  // #endregion
  if (retry !== undefined) {
    if (!Number.isInteger(retry) || retry < 0)
      throw new Error("retry must be a whole number of ms");
    frame += `retry: ${retry}\n`;
  }
  // #region data-lines
  // TODO 1: one `data:` field per line of data. Split on CR, LF and CRLF (`lineBreak` above):
  // as written, "hi\n\nevent: admin" would arrive as two events.
  if (data !== undefined) frame += `data: ${data}\n`;
  // #endregion
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
