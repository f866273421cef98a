// The hardening rules on lab 11's server, with the checks every lab shares (helpers/http-rules):
// wrong methods, unknown paths, POST /chat only from JSON, a port in use. There is no GET
// stream here (the answer streams from POST /chat), so no HEAD /stream; its slow-client cut
// and the rest of its 4xx answers are in lab11-fetch-streaming.test.ts.
import { describe, test } from "vitest";
import {
  expectJsonNotFound,
  expectJsonRequired,
  expectMethodNotAllowed,
  expectPortInUseMessage,
  startLab,
} from "./helpers/index.ts";

const lab = "lab11-fetch-streaming";

describe("lab11 — a server that answers every request", () => {
  test("a wrong method on POST /chat gets 405 with Allow: POST; an unknown path a JSON 404", async () => {
    const { url } = await startLab(lab);
    await expectMethodNotAllowed(url, "GET", "/chat", ["POST"]);
    await expectMethodNotAllowed(url, "PUT", "/chat", ["POST"]);
    await expectJsonNotFound(url);
  });

  test("POST /chat takes JSON only: a foreign page's simple POST gets 415", async () => {
    const { url } = await startLab(lab);
    await expectJsonRequired(url, "/chat");
  });

  test("startServer on a port in use rejects with what to do", async () => {
    const { url } = await startLab(lab);
    await expectPortInUseMessage(lab, 11, Number(new URL(url).port));
  });
});
