// The hardening rules every broadcast server from lab 03 on follows (issue 10), written once:
// slow clients are cut, only JSON changes state (no other site can end the broadcast), HEAD,
// wrong methods, unknown paths and a port in use get a clear answer, a malformed
// Last-Event-ID gets a reset, and an empty event name is refused.
// A lab's hardening file calls describeBroadcastServerRules(...) and adds what is its own.
import { describe, expect, test } from "vitest";
import {
  expectHeadAnswersAtOnce,
  expectJsonNotFound,
  expectMethodNotAllowed,
  expectPortInUseMessage,
  foreignPosts,
  jsonError,
  sendRequest,
} from "./http-rules.ts";
import { importLab, startLab } from "./lab-server.ts";
import { readRawStream } from "./raw-stream.ts";
import { expectStalledClientsCut } from "./slow-client.ts";
import { connect } from "./sse-client.ts";

export interface BroadcastServerRules {
  /** Folder name, e.g. "lab04-reverse-proxy". */
  lab: string;
  /** Options for startLab: ticks off, short retry, no heartbeats. */
  labOptions: Record<string, unknown>;
  /**
   * In the lab where a rule is a student's TODO, the TODO it belongs to: the test's title and
   * messages then name it. Absent: the rule is given code, carried over from an earlier lab.
   */
  todos?: { endStream?: number; reset?: number };
}

export function describeBroadcastServerRules({
  lab,
  labOptions,
  todos = {},
}: BroadcastServerRules) {
  const id = lab.slice(0, "labNN".length);
  const number = Number(lab.slice(3, 5));
  /** `TODO n · ` for a title and `labNN TODO n: ` for a message, when the rule is a TODO here. */
  const title = (todo: number | undefined) => (todo ? `TODO ${todo} · ` : "");
  const blame = (todo: number | undefined, message: string, fix = "") =>
    todo ? `${id} TODO ${todo}: ${message}${fix}` : message;

  describe(`${id} — a client that stops reading`, () => {
    test("never-reading clients are cut at maxBufferedBytes; the others get every event", async () => {
      await expectStalledClientsCut(lab, labOptions);
    }, 30_000);
  });

  describe(`${id} — state changes only with JSON (CSRF)`, () => {
    test(`${title(todos.endStream)}a foreign page's POST /stream/end is refused with 415 and the stream goes on`, async () => {
      const { url, running } = await startLab(lab, labOptions);
      const client = connect(`${url}/stream`);
      await client.waitForOpen("the client should connect");
      for (const { what, headers, body } of foreignPosts) {
        const response = await sendRequest(`${url}/stream/end`, {
          method: "POST",
          headers: { Origin: "http://evil.example", ...headers },
          body,
        });
        expect(
          response.status,
          `${blame(
            todos.endStream,
            `POST /stream/end from another site (${what}) must not end the broadcast`,
            ": put requireJson in front of it",
          )} (415) — got ${response.status}`,
        ).toBe(415);
        expect(jsonError(response), '415 should come with JSON {"error": "…"}').toBeTypeOf(
          "string",
        );
      }
      expect(running.stats().clients, "the client must still be connected").toBe(1);
      const again = await readRawStream(`${url}/stream`, {
        until: (text) => text.includes("\n\n"),
      });
      expect(again.status, "GET /stream should still answer 200 after refused POSTs").toBe(200);
      // The lab's own page (JSON) still can.
      const ended = await sendRequest(`${url}/stream/end`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: "{}",
      });
      expect(
        ended.status,
        blame(todos.endStream, "POST /stream/end with a JSON body should answer 204"),
      ).toBe(204);
    });

    test("a non-JSON POST /signup gets 415 and publishes nothing", async () => {
      const { url } = await startLab(lab, labOptions);
      const client = connect(`${url}/stream`, { eventTypes: ["signup"] });
      await client.waitForOpen("the client should connect");
      for (const { what, headers } of foreignPosts) {
        const response = await sendRequest(`${url}/signup`, {
          method: "POST",
          headers: { Origin: "http://evil.example", ...headers },
          body: '{"name":"Mallory"}',
        });
        expect(response.status, `POST /signup as ${what} should answer 415`).toBe(415);
      }
      expect(client.data("signup"), "nothing may be published for a refused request").toEqual([]);
    });

    test("a foreign origin's preflight for a JSON POST gets no permission", async () => {
      const { url } = await startLab(lab, labOptions);
      const preflight = await sendRequest(`${url}/stream/end`, {
        method: "OPTIONS",
        headers: {
          Origin: "http://evil.example",
          "Access-Control-Request-Method": "POST",
          "Access-Control-Request-Headers": "content-type",
        },
      });
      expect(
        preflight.headers["access-control-allow-origin"],
        "the CORS allowlist must not allow http://evil.example",
      ).toBeUndefined();
    });
  });

  describe(`${id} — a server that answers every request`, () => {
    test("HEAD /stream answers at once with the headers and no body, and is not a client", async () => {
      const { url, running } = await startLab(lab, labOptions);
      await expectHeadAnswersAtOnce(url, () => running.stats().clients ?? 0);
    });

    test("a wrong method on a known path gets 405 with Allow; an unknown path a JSON 404", async () => {
      const { url } = await startLab(lab, labOptions);
      await expectMethodNotAllowed(url, "PUT", "/stream", ["GET", "HEAD"]);
      await expectMethodNotAllowed(url, "GET", "/signup", ["POST"]);
      await expectJsonNotFound(url);
    });

    test(`${title(todos.endStream)}GET /stream/end gets 405 with Allow: POST`, async () => {
      const { url } = await startLab(lab, labOptions);
      const response = await sendRequest(`${url}/stream/end`);
      expect(
        response.status,
        blame(todos.endStream, "POST /stream/end should exist, so GET /stream/end answers 405"),
      ).toBe(405);
      await expectMethodNotAllowed(url, "GET", "/stream/end", ["POST"]);
    });

    test(`${title(todos.reset)}a malformed Last-Event-ID gets a reset event, not an error`, async () => {
      const { url } = await startLab(lab, labOptions);
      for (const lastEventId of [
        "abc",
        "-1",
        "1e3",
        "99999999999999999999999-0",
        "x".repeat(5000),
      ]) {
        const shown = lastEventId.slice(0, 30);
        const response = await readRawStream(`${url}/stream`, {
          headers: { "Last-Event-ID": lastEventId },
          until: (text) => text.includes("event: reset"),
        });
        expect(response.status, `Last-Event-ID ${shown} should still get 200`).toBe(200);
        expect(
          response.text,
          blame(todos.reset, `Last-Event-ID ${shown} should get a reset event`),
        ).toContain("event: reset");
      }
    });

    test("startServer on a port in use rejects with what to do", async () => {
      const { server } = await startLab(lab, labOptions);
      await expectPortInUseMessage(lab, number, (server.address() as { port: number }).port);
    });

    test("encodeEvent refuses an empty event name", async () => {
      const { encodeEvent } = await importLab<{
        encodeEvent(event: { event?: string; data?: string }): string;
      }>(lab, "encode-event.ts");
      expect(
        () => encodeEvent({ event: "", data: "x" }),
        "`event: ` with no name arrives as a message",
      ).toThrow(Error);
    });
  });
}
