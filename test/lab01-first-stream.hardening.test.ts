// The hardening rules (HEAD, wrong methods, unknown paths, a port in use) on lab 01's server.
import { describe, expect, test } from "vitest";
import {
  expectHeadAnswersAtOnce,
  expectJsonNotFound,
  expectMethodNotAllowed,
  expectPortInUseMessage,
  startLab,
} from "./helpers/index.ts";

const lab = "lab01-first-stream";

describe("lab01 — a server that answers every request", () => {
  test("HEAD /stream answers at once with the headers and no body, and is not a client", async () => {
    const { url, running } = await startLab(lab, { intervalMs: 60_000 });
    await expectHeadAnswersAtOnce(url, () => running.stats().clients ?? 0);
  });

  test("a wrong method on a known path gets 405 with Allow; an unknown path a JSON 404", async () => {
    const { url } = await startLab(lab, { intervalMs: 60_000 });
    await expectMethodNotAllowed(url, "PUT", "/stream", ["GET", "HEAD"]);
    await expectMethodNotAllowed(url, "POST", "/stream", ["GET", "HEAD"]);
    await expectMethodNotAllowed(url, "DELETE", "/", ["GET", "HEAD"]);
    await expectJsonNotFound(url);
  });

  test("startServer on a port in use rejects with what to do", async () => {
    const { server } = await startLab(lab, { intervalMs: 60_000 });
    const address = server.address();
    expect(address, "the first server should listen").toBeTypeOf("object");
    await expectPortInUseMessage(lab, 1, (address as { port: number }).port);
  });
});
