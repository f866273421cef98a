// The hardening rules on lab 09's server, with the checks every lab shares (helpers/http-rules):
// HEAD, wrong methods, unknown paths, a broadcast only from JSON, a port in use. Its slow-client
// rule is the lesson itself (the Broadcaster's TODOs), tested in lab09-benchmark.test.ts.
import { describe, test } from "vitest";
import {
  expectHeadAnswersAtOnce,
  expectJsonNotFound,
  expectJsonRequired,
  expectMethodNotAllowed,
  expectPortInUseMessage,
  type RunningLab,
  startLab,
} from "./helpers/index.ts";

const lab = "lab09-benchmark";
const labOptions = { heartbeatMs: 0 };

interface Lab09 extends RunningLab {
  stats(): { clients: number };
}

describe("lab09 — a server that answers every request", () => {
  test("HEAD /stream answers at once with the headers and no body, and is not a client", async () => {
    const { url, running } = await startLab<Lab09>(lab, labOptions);
    await expectHeadAnswersAtOnce(url, () => running.stats().clients);
  });

  test("a wrong method on a known path gets 405 with Allow; an unknown path a JSON 404", async () => {
    const { url } = await startLab<Lab09>(lab, labOptions);
    await expectMethodNotAllowed(url, "PUT", "/stream", ["GET", "HEAD"]);
    await expectMethodNotAllowed(url, "GET", "/broadcast", ["POST"]);
    await expectJsonNotFound(url);
  });

  test("POST /broadcast takes JSON only: a foreign page's simple POST gets 415", async () => {
    const { url } = await startLab<Lab09>(lab, labOptions);
    await expectJsonRequired(url, "/broadcast");
  });

  test("startServer on a port in use rejects with what to do", async () => {
    const { url } = await startLab<Lab09>(lab, labOptions);
    await expectPortInUseMessage(lab, 9, Number(new URL(url).port));
  });
});
