import fc from "fast-check";
import request from "supertest";
import { describe, expect, test } from "vitest";
import {
  connect,
  delay,
  importLab,
  parseEventStream,
  propertyRuns,
  readRawStream,
  startLab,
} from "./helpers/index.ts";

const lab = "lab02-named-events";

interface EncodeModule {
  encodeEvent(event: { event?: string; data?: string; id?: string; retry?: number }): string;
}
const { encodeEvent } = await importLab<EncodeModule>(lab, "encode-event.ts");

/** What a spec-following client makes of the bytes: eventsource-parser, not our own code. */
function roundTrip(event: { event?: string; data: string; id?: string }) {
  return parseEventStream(encodeEvent(event)).events;
}

describe("lab02 — encodeEvent speaks the wire format", () => {
  test("one-line data is one data: field and a blank line", () => {
    expect(encodeEvent({ data: "hello" })).toBe("data: hello\n\n");
    expect(encodeEvent({ event: "signup", data: "{}" })).toBe("event: signup\ndata: {}\n\n");
  });

  test("TODO 1 · multi-line data becomes one data: line per line", () => {
    expect(
      encodeEvent({ data: "line 1\nline 2" }),
      "lab02 TODO 1: each line of data needs its own `data:` field — a bare line break ends the field",
    ).toBe("data: line 1\ndata: line 2\n\n");
  });

  test("TODO 1 · CR, LF and CRLF all split data lines, and the client gets the text back", () => {
    const events = roundTrip({ data: "a\rb\r\nc\nd" });
    expect(
      events.map((event) => event.data),
      "lab02 TODO 1: split data on \\r\\n, \\r and \\n (all three end a line in an event stream)",
    ).toEqual(["a\nb\nc\nd"]);
  });

  test("TODO 1 · user text can never forge a second event", () => {
    const attack = "hi\n\nevent: admin\ndata: you are pwned";
    const events = roundTrip({ event: "signup", data: attack });
    expect(
      events.map((event) => ({ type: event.event, data: event.data })),
      "lab02 TODO 1: text with a blank line inside must arrive as the data of ONE event",
    ).toEqual([{ type: "signup", data: "hi\n\nevent: admin\ndata: you are pwned" }]);
  });

  test("TODO 2 · a line break in the event name or id, or NUL in the id, is refused", () => {
    const refused = (event: { event?: string; data: string; id?: string }) => () =>
      encodeEvent(event);
    const message = "lab02 TODO 2: throw an Error — a line break here would start a forged field";
    expect(refused({ event: "signup\ndata: forged", data: "x" }), message).toThrow(Error);
    expect(refused({ event: "signup\r", data: "x" }), message).toThrow(Error);
    expect(refused({ id: "7\n\ndata: forged", data: "x" }), message).toThrow(Error);
    expect(
      refused({ id: "7\u00004", data: "x" }),
      "lab02 TODO 2: refuse NUL in an id — browsers ignore such an id, so resuming would break",
    ).toThrow(Error);
  });

  test("TODO 1 · 3,000 generated strings survive encodeEvent and a spec parser", () => {
    // The plainest cases first: if they break, shrinking 3,000 random strings would only
    // take seconds to say the same.
    for (const data of ["a\nb", "a\rb", "a\r\nb", "a\n\nb"]) {
      expect(
        roundTrip({ data }).map((event) => event.data),
        `lab02 TODO 1: encodeEvent({ data: ${JSON.stringify(data)} }) should come back from a spec parser as one event`,
      ).toEqual([data.replace(/\r\n|\r/g, "\n")]);
    }
    const tricky = fc.constantFrom(
      "\r",
      "\n",
      "\r\n",
      "\n\n",
      " ",
      "  ",
      ":",
      "data: x",
      "id: 1",
      "é",
      "😀",
      "\u2028",
      "\u0000",
    );
    const piece = fc.oneof(tricky, fc.string({ unit: "binary", maxLength: 8 }));
    const text = fc.oneof(
      fc.array(piece, { maxLength: 12 }).map((pieces) => pieces.join("")),
      fc.constant(""),
      fc.string({ minLength: 5000, maxLength: 6000 }),
    );
    const name = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !/[\r\n]/.test(s));
    const run = fc.check(
      fc.property(text, fc.option(name, { nil: undefined }), (data, event) => {
        const events = roundTrip({ event, data });
        expect(
          events,
          `lab02 TODO 1: data ${JSON.stringify(data.slice(0, 80))} did not survive the trip`,
        ).toHaveLength(1);
        // The one change the format makes: every line break (CR, LF, CRLF) arrives as "\n".
        expect(events[0]?.data).toBe(data.replace(/\r\n|\r/g, "\n"));
        expect(events[0]?.event).toBe(event);
      }),
      { numRuns: propertyRuns(3000) },
    );
    // fc.check (not fc.assert) so the failure names the TODO and shows the smallest bad input.
    expect(
      run.failed,
      `lab02 TODO 1: encodeEvent({ data: ${JSON.stringify(run.counterexample?.[0])} }) should come back from a spec parser unchanged (line breaks as \\n) — ${run.errorInstance instanceof Error ? run.errorInstance.message : ""}`,
    ).toBe(false);
    // Pure CPU: about 1 s alone, many times that when the cores are shared. It waits for
    // nothing, so a long deadline cannot hide a hang.
  }, 60_000);
});

describe("lab02 — the signup broadcast", () => {
  test("the stream starts with a comment, which clients ignore", async () => {
    const { url } = await startLab(lab, { intervalMs: 60_000 });
    const response = await readRawStream(`${url}/stream`, {
      until: (text) => text.includes("\n\n"),
    });
    expect(response.text, "the first bytes should be a comment line such as `: connected`").toMatch(
      /^:/,
    );
    expect(parseEventStream(response.text).events, "a comment dispatches no event").toEqual([]);
  });

  test("TODO 3 · POST /signup reaches every client as a `signup` event, never in onmessage", async () => {
    const { url } = await startLab(lab, { intervalMs: 60_000 });
    const alice = connect(`${url}/stream`, { eventTypes: ["signup"] });
    const bob = connect(`${url}/stream`, { eventTypes: ["signup"] });
    await alice.waitForOpen("client 1 should connect");
    await bob.waitForOpen("client 2 should connect");

    const response = await request(url).post("/signup").send({ name: "Ada" });
    expect(
      response.status,
      `lab02 TODO 3: POST /signup should answer 202; got ${response.status} ${JSON.stringify(response.body)}`,
    ).toBe(202);

    for (const client of [alice, bob]) {
      const [signup] = await client.waitForEvents(
        1,
        "lab02 TODO 3: broadcast a `signup` event to every client",
        { type: "signup" },
      );
      expect(
        JSON.parse(signup?.data ?? "null"),
        "the signup event's data should be JSON {name}",
      ).toEqual({ name: "Ada" });
      expect(client.data("message"), "a named event must never reach onmessage").toEqual([]);
    }
  });

  test("TODO 3 · a name full of line breaks arrives as one signup, with no forged event", async () => {
    const { url } = await startLab(lab, { intervalMs: 60_000 });
    const client = connect(`${url}/stream`, { eventTypes: ["signup", "admin"] });
    await client.waitForOpen("the client should connect");
    const name = "Eve\n\nevent: admin\ndata: pwned";
    const response = await request(url).post("/signup").send({ name });
    expect(response.status, "lab02 TODO 3: POST /signup should answer 202").toBe(202);
    const [signup] = await client.waitForEvents(1, "lab02 TODO 3: the signup should arrive", {
      type: "signup",
    });
    expect(JSON.parse(signup?.data ?? "null")).toEqual({ name });
    expect(client.data("admin"), "no `admin` event may be forged from a name").toEqual([]);
  });

  test("TODO 4 · bad bodies get a clear 4xx JSON error and broadcast nothing", async () => {
    const { url } = await startLab(lab, { intervalMs: 60_000, maxBodyBytes: 200 });
    const client = connect(`${url}/stream`, { eventTypes: ["signup"] });
    await client.waitForOpen("the client should connect");

    const cases = [
      { what: "invalid JSON", body: "{name:", type: "application/json", status: 400 },
      { what: "no name", body: "{}", type: "application/json", status: 400 },
      {
        what: "a name that is not a string",
        body: '{"name":42}',
        type: "application/json",
        status: 400,
      },
      { what: "an empty name", body: '{"name":""}', type: "application/json", status: 400 },
      {
        what: "a blank name (only spaces)",
        body: '{"name":"  "}',
        type: "application/json",
        status: 400,
      },
      {
        what: "a body over the limit",
        body: JSON.stringify({ name: "x".repeat(500) }),
        type: "application/json",
        status: 413,
      },
    ];
    for (const { what, body, type, status } of cases) {
      const response = await request(url).post("/signup").set("Content-Type", type).send(body);
      expect(
        response.status,
        `lab02 TODO 4: ${what} should answer ${status}, got ${response.status}`,
      ).toBe(status);
      expect(
        typeof response.body.error,
        `lab02 TODO 4: ${what} should answer JSON {"error": "…"}`,
      ).toBe("string");
    }
    // A valid signup afterwards proves the stream is alive and nothing else was sent before it.
    const valid = await request(url).post("/signup").send({ name: "Grace" });
    expect(valid.status, "lab02 TODO 3: a valid signup should answer 202").toBe(202);
    await client.waitForEvents(1, "lab02 TODO 3: the valid signup should arrive", {
      type: "signup",
    });
    await delay(20);
    expect(client.data("signup"), "only the valid signup may be broadcast").toEqual([
      '{"name":"Grace"}',
    ]);
  });

  test("TODO 4 · a name one character over the limit, in a body that fits, gets 400; at the limit it is welcome", async () => {
    // maxNameLength 20 in a 1 KB body: only the name check can refuse these, not the body limit.
    const { url } = await startLab(lab, {
      intervalMs: 60_000,
      maxNameLength: 20,
      maxBodyBytes: 1024,
    });
    // This test needs TODO 3: a plain signup must be accepted before limits mean anything.
    const plain = await request(url).post("/signup").send({ name: "Ada" });
    expect(
      plain.status,
      `lab02 TODO 3: POST /signup with {"name":"Ada"} should answer 202 — got ${plain.status}`,
    ).toBe(202);
    const client = connect(`${url}/stream`, { eventTypes: ["signup"] });
    await client.waitForOpen("the client should connect");

    const tooLong = await request(url)
      .post("/signup")
      .send({ name: "x".repeat(21) });
    expect(
      tooLong.status,
      `lab02 TODO 4: a 21-character name with maxNameLength 20 should answer 400 (the body is only 33 bytes, so the body limit does not catch it) — got ${tooLong.status}`,
    ).toBe(400);
    expect(typeof tooLong.body.error, 'lab02 TODO 4: answer JSON {"error": "…"}').toBe("string");

    const atLimit = await request(url)
      .post("/signup")
      .send({ name: "y".repeat(20) });
    expect(
      atLimit.status,
      `lab02 TODO 4: a name of exactly maxNameLength (20) characters is allowed and should answer 202 — got ${atLimit.status} ${JSON.stringify(atLimit.body)} (> the limit, not >=)`,
    ).toBe(202);
    await client.waitForEvents(1, "lab02 TODO 3: the 20-character signup should arrive", {
      type: "signup",
    });
    await delay(20);
    expect(
      client.data("signup"),
      "lab02 TODO 4: only the name within the limit may be broadcast",
    ).toEqual([JSON.stringify({ name: "y".repeat(20) })]);
  });
});
