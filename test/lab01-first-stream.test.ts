import { describe, expect, test } from "vitest";
import {
  activeTimers,
  connect,
  openConnections,
  parseEventStream,
  readRawStream,
  startLab,
  waitFor,
} from "./helpers/index.ts";

const lab = "lab01-first-stream";

describe("lab01 — first stream", () => {
  test("GET / answers hello", async () => {
    const { url } = await startLab(lab);
    const response = await fetch(`${url}/`);
    expect(await response.text(), "GET / should answer the text hello!").toBe("hello!");
  });

  test("TODO 1 · GET /stream answers 200 text/event-stream and forbids caching", async () => {
    const { url } = await startLab(lab, { intervalMs: 10 });
    const response = await readRawStream(`${url}/stream`, {
      until: (text) => text.includes("\n\n"),
    });
    expect(response.status, "GET /stream should answer 200").toBe(200);
    expect(
      response.headers["content-type"],
      "lab01 TODO 1: set Content-Type: text/event-stream, or EventSource refuses the stream",
    ).toMatch(/^text\/event-stream/);
    expect(
      response.headers["cache-control"],
      "lab01 TODO 1: set Cache-Control: no-cache, so no cache or proxy stores the stream",
    ).toBe("no-cache");
  });

  test("TODO 2 · 'open' fires at once, long before the first message", async () => {
    // One message a minute: only flushed headers can open the connection in time.
    const { url } = await startLab(lab, { intervalMs: 60_000 });
    const client = connect(`${url}/stream`);
    // The server's own pace is the yardstick: once it has answered a request sent after the
    // stream's, the stream's headers are late only if they were never flushed.
    let answeredAt: number | undefined;
    void fetch(`${url}/`).then(() => {
      answeredAt = performance.now();
    });
    await waitFor(() => client.opens > 0, {
      timeoutMs: 2000,
      message:
        "lab01 TODO 2: 'open' did not fire although the first message is a minute away. " +
        "Call res.flushHeaders() so the headers leave before the first message",
      failFast: () =>
        answeredAt !== undefined && performance.now() - answeredAt > 500
          ? "lab01 TODO 2: the server answered GET / but the stream's headers have still not " +
            "arrived, and the first message is a minute away. Call res.flushHeaders() so the " +
            "headers leave before the first message"
          : undefined,
    });
    expect(client.events, "no message was due yet").toEqual([]);
  });

  test("a message arrives every interval, in the event-stream wire format", async () => {
    const { url } = await startLab(lab, { intervalMs: 20 });
    const response = await readRawStream(`${url}/stream`, {
      until: (text) => parseEventStream(text).events.length >= 3,
    });
    const { events } = parseEventStream(response.text);
    expect(
      events.map((event) => event.data),
      `each message should be "data: ...\\n\\n"; the raw bytes were ${JSON.stringify(response.text)}`,
    ).toEqual([
      "hello world event source #1",
      "hello world event source #2",
      "hello world event source #3",
    ]);
  });

  test("an EventSource client receives the messages in onmessage", async () => {
    const { url } = await startLab(lab, { intervalMs: 20 });
    const client = connect(`${url}/stream`);
    const events = await client.waitForEvents(3, "the client should receive 3 messages");
    expect(events.map((event) => event.type)).toEqual(["message", "message", "message"]);
  });

  test("the page on the Vite dev server may read the stream (CORS)", async () => {
    const { url } = await startLab(lab, { intervalMs: 10 });
    const response = await readRawStream(`${url}/stream`, {
      headers: { Origin: "http://localhost:5173" },
      until: () => true,
    });
    expect(
      response.headers["access-control-allow-origin"],
      "the stream should allow the client page's origin http://localhost:5173",
    ).toBe("http://localhost:5173");
  });

  test("TODO 3 · no timer and no connection is left after 20 clients connect and leave", async () => {
    const lab01 = await startLab(lab, { intervalMs: 5 });
    const timersBefore = activeTimers();

    const clients = Array.from({ length: 20 }, () => connect(`${lab01.url}/stream`));
    await Promise.all(
      clients.map((client) => client.waitForEvents(1, "each client should get a message")),
    );
    for (const client of clients) client.close();

    await waitFor(async () => activeTimers() <= timersBefore, {
      timeoutMs: 1000,
      message:
        "lab01 TODO 3: 20 clients left but their intervals still run. " +
        "Clear the interval in res.on('close', ...), which fires when the client goes away",
      describe: () => `${activeTimers() - timersBefore} timers still active`,
    });
    // Node's fetch (under eventsource) may hold a spare idle socket for a moment: allow for it.
    await waitFor(async () => (await openConnections(lab01.server)) === 0, {
      timeoutMs: 3000,
      message: "every connection should be closed once its client has left",
    });
    expect(lab01.running.stats().clients, "stats().clients should drop back to 0").toBe(0);
  });
});
