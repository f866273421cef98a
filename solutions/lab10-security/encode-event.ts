// Turn an event into the bytes of the text/event-stream format (lab 02's encoder, trimmed).

export interface ServerSentEvent {
  event?: string;
  data?: string;
  id?: string;
  retry?: number;
}

// CR, LF and CRLF all end a line in an event stream, so all three must be handled.
const lineBreak = /\r\n|\r|\n/;

export function encodeEvent({ event, data, id, retry }: ServerSentEvent): string {
  let frame = "";
  if (event !== undefined) {
    // An empty name is delivered as "message"; a line break would forge a second field.
    if (event === "" || lineBreak.test(event))
      throw new Error("event name must be non-empty, no CR/LF");
    frame += `event: ${event}\n`;
  }
  if (id !== undefined) {
    if (lineBreak.test(id) || id.includes("\0"))
      throw new Error("event id must not contain CR, LF or NUL");
    frame += `id: ${id}\n`;
  }
  if (retry !== undefined) frame += `retry: ${Math.max(0, Math.floor(retry))}\n`;
  // Each line of the data gets its own `data:` field: text from a user never forges an event.
  if (data !== undefined) for (const line of data.split(lineBreak)) frame += `data: ${line}\n`;
  return `${frame}\n`;
}
