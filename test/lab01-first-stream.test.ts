import { describe, expect, test, vi } from "vitest";
import {
  activeTimers,
  connect,
  onCleanup,
  openConnections,
  parseEventStream,
  readRawStream,
  repoRoot,
  startLab,
  waitFor,
} from "./helpers/index.ts";

const lab = "lab01-first-stream";

/**
 * Start lab 01 and keep what its handlers throw. Express hands such an error to its final
 * handler, which logs it only outside NODE_ENV=test (vitest sets test) and, once the headers
 * have left, just cuts the connection: the test alone would see only a missing header.
 * `thrown()` says what the server threw, e.g. ERR_HTTP_HEADERS_SENT from a setHeader() after
 * res.flushHeaders(), so the failure shows the student's own error.
 */
async function startLabShowingErrors(options: Record<string, unknown>) {
  const started = await startLab(lab, options);
  const errors: Error[] = [];
  const app = started.server.listeners("request")[0] as { set?(name: string, value: string): void };
  app.set?.("env", "development");
  const log = console.error;
  const spy = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    if (args[0] instanceof Error) errors.push(args[0]);
    else log(...args);
  });
  onCleanup(() => spy.mockRestore());
  const thrown = () => {
    const [error] = errors;
    if (!error) return "";
    const where =
      error.stack
        ?.split("\n")
        .find((line) => line.includes(lab))
        ?.trim()
        .replace(`${repoRoot}/`, "") ?? "";
    return ` — and the server threw ${error.name}${"code" in error ? ` [${error.code}]` : ""}: ${error.message} ${where}`;
  };
  return { ...started, thrown };
}

describe("lab01 — first stream", () => {
  test("GET / answers hello", async () => {
    const { url } = await startLab(lab);
    const response = await fetch(`${url}/`);
    expect(await response.text(), "GET / should answer the text hello!").toBe("hello!");
  });

  test("TODO 1 · GET /stream answers 200 text/event-stream and forbids caching", async () => {
    const { url, thrown } = await startLabShowingErrors({ intervalMs: 10 });
    const response = await readRawStream(`${url}/stream`, {
      until: (text) => text.includes("\n\n"),
    });
    expect(response.status, "GET /stream should answer 200").toBe(200);
    expect(
      response.headers["content-type"],
      `lab01 TODO 1: set Content-Type: text/event-stream, or EventSource refuses the stream${thrown()}`,
    ).toMatch(/^text\/event-stream/);
    expect(
      response.headers["cache-control"],
      `lab01 TODO 1: set Cache-Control: no-cache, so no cache or proxy stores the stream${thrown()}`,
    ).toBe("no-cache");
    expect(thrown(), "lab01: the /stream handler should not throw").toBe("");
  });

  test("TODO 2 · 'open' fires at once, long before the first message", async () => {
    // One message a minute: only flushed headers can open the connection in time.
    const { url, thrown } = await startLabShowingErrors({ intervalMs: 60_000 });
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
        `Call res.flushHeaders() so the headers leave before the first message${thrown()}`,
      failFast: () =>
        answeredAt !== undefined && performance.now() - answeredAt > 500
          ? "lab01 TODO 2: the server answered GET / but the stream's headers have still not " +
            "arrived, and the first message is a minute away. Call res.flushHeaders() so the " +
            `headers leave before the first message${thrown()}`
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
    // A fourth may have come in while the test looked: only the first three are checked.
    expect(events.slice(0, 3).map((event) => event.type)).toEqual([
      "message",
      "message",
      "message",
    ]);
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
      // 20 connections at once on a busy machine: a generous deadline, met in ms when idle.
      clients.map((client) =>
        client.waitForEvents(1, "each client should get a message", { timeoutMs: 10_000 }),
      ),
    );
    // Each stream's interval is one timer; counted while all 20 run, so other timers
    // coming and going in the test process do not blur how many are left.
    const timersWhileConnected = activeTimers();
    for (const client of clients) client.close();

    await waitFor(async () => activeTimers() <= timersBefore, {
      timeoutMs: 1000,
      message:
        "lab01 TODO 3: 20 clients left but their intervals still run. " +
        "Clear the interval in res.on('close', ...), which fires when the client goes away",
      describe: () => {
        const left = Math.max(0, Math.min(20, 20 - (timersWhileConnected - activeTimers())));
        return `${left} of the 20 intervals still run 1 s after their clients left`;
      },
    });
    // A socket still holding a stream is a leak; an idle keep-alive socket that the client's
    // fetch kept for reuse is not (Node keeps those up to 5 s): close the idle ones, count the rest.
    let open = 0;
    const streamSockets = async () => {
      lab01.server.closeIdleConnections();
      open = await openConnections(lab01.server);
      return open;
    };
    // Generous: once in a clean-clone CI run all 20 were still open after 2 s although their
    // intervals had stopped (the fetch under eventsource tears a socket down in its own time).
    await waitFor(async () => (await streamSockets()) === 0, {
      timeoutMs: 6000,
      message:
        "lab01 TODO 3: every stream's connection should close once its client has left " +
        "(end nothing yourself: just stop writing in res.on('close'))",
      describe: () => `${open} of 20 connections still open`,
    });
    expect(
      lab01.running.stats().clients,
      "lab01 TODO 3: forget the stream in res.on('close'), so stats().clients drops back to 0",
    ).toBe(0);
  });
});
