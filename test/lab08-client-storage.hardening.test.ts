// The hardening rules on lab 08's server (lab 03's, turned into a news feed), with the checks
// every lab shares (helpers/http-rules): a client that stops reading is cut, only JSON
// publishes (no other site can), HEAD, wrong methods, unknown paths and a port in use get a
// clear answer. The 400/413 answers of POST /news are in lab08-client-storage.test.ts.
import { describe, test } from "vitest";
import {
  expectHeadAnswersAtOnce,
  expectJsonNotFound,
  expectJsonRequired,
  expectMethodNotAllowed,
  expectPortInUseMessage,
  expectStalledClientsCut,
  startLab,
} from "./helpers/index.ts";

const lab = "lab08-client-storage";
// No wire-service ticks and no initial headlines: only what a test publishes.
const labOptions = { intervalMs: 0, retryMs: 50, initialNews: [] };

describe("lab08 — a client that stops reading", () => {
  test("never-reading clients are cut at maxBufferedBytes; the others get every item", async () => {
    await expectStalledClientsCut(lab, { ...labOptions, maxTitleLength: 30_000 }, "", {
      path: "/news",
      eventType: "news",
      body: (title) => JSON.stringify({ title }),
    });
  }, 30_000);
});

describe("lab08 — a server that answers every request", () => {
  test("HEAD /stream answers at once with the headers and no body, and is not a client", async () => {
    const { url, running } = await startLab(lab, labOptions);
    await expectHeadAnswersAtOnce(url, () => running.stats().clients ?? 0);
  });

  test("a wrong method on a known path gets 405 with Allow; an unknown path a JSON 404", async () => {
    const { url } = await startLab(lab, labOptions);
    await expectMethodNotAllowed(url, "PUT", "/stream", ["GET", "HEAD"]);
    await expectMethodNotAllowed(url, "GET", "/news", ["POST"]);
    await expectMethodNotAllowed(url, "DELETE", "/news", ["POST"]);
    await expectJsonNotFound(url);
  });

  test("POST /news takes JSON only: a foreign page's simple POST gets 415", async () => {
    const { url } = await startLab(lab, labOptions);
    await expectJsonRequired(url, "/news");
  });

  test("startServer on a port in use rejects with what to do", async () => {
    const { url } = await startLab(lab, labOptions);
    await expectPortInUseMessage(lab, 8, Number(new URL(url).port));
  });
});
