// The hardening rules on lab 02's server: a client that stops reading is cut, not buffered
// for; only JSON changes state; HEAD, wrong methods, unknown paths and a port in use all get a
// clear answer; an empty event name is refused.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  connect,
  expectHeadAnswersAtOnce,
  expectJsonNotFound,
  expectMethodNotAllowed,
  expectPortInUseMessage,
  expectStalledClientsCut,
  importLab,
  jsonError,
  parseEventStream,
  sendRequest,
  startLab,
} from "./helpers/index.ts";

const lab = "lab02-named-events";

interface EncodeModule {
  encodeEvent(event: { event?: string; data?: string; id?: string; retry?: number }): string;
}
const { encodeEvent } = await importLab<EncodeModule>(lab, "encode-event.ts");

type Stats = { clients: number };

describe("lab02 — a client that stops reading", () => {
  test("never-reading clients are cut at maxBufferedBytes; the others get every event", async () => {
    await expectStalledClientsCut(lab, { intervalMs: 60_000 }, "TODO 3");
  }, 30_000);
});

describe("lab02 — state changes only with JSON", () => {
  test("a POST /signup that is not JSON (what a foreign page can send) gets 415", async () => {
    const { url } = await startLab(lab, { intervalMs: 60_000 });
    const client = connect(`${url}/stream`, { eventTypes: ["signup"] });
    await client.waitForOpen("the client should connect");
    for (const type of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
    ]) {
      const response = await sendRequest(`${url}/signup`, {
        method: "POST",
        headers: { "Content-Type": type, Origin: "http://evil.example" },
        body: type === "text/plain" ? '{"name":"Mallory"}' : "name=Mallory",
      });
      expect(response.status, `POST /signup with Content-Type: ${type} should answer 415`).toBe(
        415,
      );
      expect(jsonError(response), '415 should come with JSON {"error": "…"}').toBeTypeOf("string");
    }
    const noType = await sendRequest(`${url}/signup`, {
      method: "POST",
      body: '{"name":"Mallory"}',
    });
    expect(noType.status, "POST /signup without a Content-Type should answer 415").toBe(415);
    expect(client.data("signup"), "nothing may be broadcast for a refused request").toEqual([]);
  });
});

describe("lab02 — a server that answers every request", () => {
  test("HEAD /stream answers at once with the headers and no body, and is not a client", async () => {
    const { url, running } = await startLab(lab, { intervalMs: 60_000 });
    await expectHeadAnswersAtOnce(url, () => (running.stats() as Stats).clients);
  });

  test("a wrong method on a known path gets 405 with Allow; an unknown path a JSON 404", async () => {
    const { url } = await startLab(lab, { intervalMs: 60_000 });
    await expectMethodNotAllowed(url, "PUT", "/stream", ["GET", "HEAD"]);
    await expectMethodNotAllowed(url, "GET", "/signup", ["POST"]);
    await expectMethodNotAllowed(url, "DELETE", "/signup", ["POST"]);
    await expectJsonNotFound(url);
  });

  test("startServer on a port in use rejects with what to do", async () => {
    const { server } = await startLab(lab, { intervalMs: 60_000 });
    await expectPortInUseMessage(lab, 2, (server.address() as { port: number }).port);
  });
});

describe("lab02 — event names", () => {
  test("TODO 2 · an empty event name is refused (browsers would deliver it as a message)", () => {
    expect(
      () => encodeEvent({ event: "", data: "x" }),
      'lab02 TODO 2: encodeEvent({ event: "" }) should throw — `event: ` with no name arrives as a plain message',
    ).toThrow(Error);
  });

  test("TODO 2 · any event name, empty included, is refused or comes back exactly", () => {
    const name = fc.oneof(
      fc.constant(""),
      fc.string({ maxLength: 12 }),
      fc.constantFrom("\r", "\n", "a\r\nb"),
    );
    const run = fc.check(
      fc.property(name, (event) => {
        let frame: string;
        try {
          frame = encodeEvent({ event, data: "x" });
        } catch {
          // Refused: right only for a name a stream cannot carry.
          return event === "" || /[\r\n]/.test(event);
        }
        const events = parseEventStream(frame).events;
        return events.length === 1 && events[0]?.event === event;
      }),
      { numRuns: 1000 },
    );
    expect(
      run.failed,
      `lab02 TODO 2: encodeEvent({ event: ${JSON.stringify(run.counterexample?.[0])} }) should throw (empty, CR or LF) or arrive with exactly that name`,
    ).toBe(false);
  });
});
