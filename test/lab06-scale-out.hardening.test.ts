// lab 06's server keeps the hardening rules of every broadcast server (see the helper), with its
// in-memory broker; Redis where it matters: ids Redis cannot take.
import { describe, expect, test } from "vitest";
import { describeBroadcastServerRules } from "./helpers/broadcast-server-rules.ts";
import { readRawStream, sendRequest, startLab, startRedis } from "./helpers/index.ts";

const lab = "lab06-scale-out";
const labOptions = { intervalMs: 0, retryMs: 50, heartbeatMs: 0 };

describeBroadcastServerRules({ lab, labOptions });

describe("lab06 — ids Redis cannot take are the client's problem, not an outage", () => {
  test("TODO 5 · a Last-Event-ID out of Redis's range gets a reset and what is kept, not a reconnect loop", async () => {
    const redis = await startRedis();
    const { url } = await startLab(lab, {
      ...labOptions,
      redisUrl: redis.url,
      redisBlockMs: 100,
      redisRetryMs: 20,
    });
    const signup = await sendRequest(`${url}/signup`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: '{"name":"Ada"}',
    });
    expect(signup.status, "lab06 TODO 1: POST /signup should store the event in Redis (202)").toBe(
      202,
    );
    const kept = (JSON.parse(signup.text) as { id: string }).id;
    for (const id of [
      "99999999999999999999999-0",
      "1-99999999999999999999999",
      "18446744073709551616-0",
      "abc",
      "1-2-3",
    ]) {
      const response = await readRawStream(`${url}/stream`, {
        headers: { "Last-Event-ID": id },
        until: (text) => text.includes(`id: ${kept}`),
        timeoutMs: 3000,
      });
      expect(response.status, `Last-Event-ID ${id} should get 200`).toBe(200);
      expect(
        response.text,
        `lab06 TODO 5: Last-Event-ID ${id} is an id Redis cannot take (XRANGE would fail): answer reset "malformed id" and what is kept, not "Redis unavailable" (the client would retry with it forever) — got ${JSON.stringify(response.text.slice(0, 200))}`,
      ).toMatch(/event: reset\ndata: \{"reason":"malformed id"/);
      expect(response.text, `after the reset, the kept event ${kept} follows`).toContain(
        `id: ${kept}`,
      );
    }
  }, 20_000);

  test("TODO 5 · the largest id Redis takes is still an ordinary unknown id", async () => {
    const redis = await startRedis();
    const { url } = await startLab(lab, {
      ...labOptions,
      redisUrl: redis.url,
      redisBlockMs: 100,
      redisRetryMs: 20,
    });
    const response = await readRawStream(`${url}/stream`, {
      headers: { "Last-Event-ID": "18446744073709551615-18446744073709551615" },
      until: (text) => text.includes("event: reset"),
      timeoutMs: 3000,
    });
    expect(
      response.text,
      'lab06 TODO 5: an id Redis can take but never gave out should get reset "unknown id"',
    ).toMatch(/event: reset\ndata: \{"reason":"unknown id"/);
  }, 20_000);
});
