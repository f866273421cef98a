// Checks of the hardening rules every lab server follows (brief, "Hardening rules"): each lab's
// *.hardening.test.ts calls them with its own paths, so the rules read the same in every lab.
import http from "node:http";
import { expect } from "vitest";
import { onCleanup } from "./cleanup.ts";
import { importLab } from "./lab-server.ts";
import { activeTimers } from "./resources.ts";

export interface PlainResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** Milliseconds from request to the end of the response. */
  ms: number;
}

/**
 * One request with exactly these method, headers and body — what a browser, curl or another
 * site could send — read to its end, or rejected after `timeoutMs` (a request left hanging).
 */
export function sendRequest(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    timeoutMs?: number;
    /** A keep-alive agent, to send many requests over one connection; default: a fresh one each. */
    agent?: http.Agent;
  } = {},
): Promise<PlainResponse> {
  const started = performance.now();
  const timeoutMs = options.timeoutMs ?? 2000;
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      method: options.method ?? "GET",
      headers: options.agent ? options.headers : { Connection: "close", ...options.headers },
      agent: options.agent,
    });
    const timer = setTimeout(() => {
      request.destroy();
      reject(
        new Error(
          `${options.method ?? "GET"} ${url} got no complete answer within ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
    onCleanup(() => {
      clearTimeout(timer);
      request.destroy();
    });
    request.on("response", (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        text += chunk;
      });
      response.on("end", () => {
        clearTimeout(timer);
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          text,
          ms: performance.now() - started,
        });
      });
    });
    request.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end(options.body);
  });
}

/** The `error` of a JSON `{ "error": "…" }` body, or undefined when the body is anything else. */
export function jsonError(response: PlainResponse): string | undefined {
  if (!String(response.headers["content-type"]).startsWith("application/json")) return undefined;
  try {
    const body = JSON.parse(response.text) as { error?: unknown };
    return typeof body.error === "string" ? body.error : undefined;
  } catch {
    return undefined;
  }
}

/** `method path` answers 405 with `Allow: <allow>` and a JSON error. */
export async function expectMethodNotAllowed(
  url: string,
  method: string,
  path: string,
  allow: string[],
) {
  const response = await sendRequest(`${url}${path}`, { method });
  const what = `${method} ${path} should answer 405 with Allow: ${allow.join(", ")} and JSON {"error": "…"}`;
  expect(response.status, `${what} — got ${response.status} ${response.text.slice(0, 80)}`).toBe(
    405,
  );
  const allowed = String(response.headers.allow ?? "")
    .split(/,\s*/)
    .filter(Boolean)
    .sort();
  expect(allowed, `${what} — Allow was ${response.headers.allow}`).toEqual([...allow].sort());
  expect(jsonError(response), `${what} — the body was ${response.text.slice(0, 80)}`).toBeTypeOf(
    "string",
  );
}

/** An unknown path answers 404 with a JSON error, not Express's HTML page. */
export async function expectJsonNotFound(url: string) {
  const response = await sendRequest(`${url}/no-such-path`);
  expect(response.status, "GET /no-such-path should answer 404").toBe(404);
  expect(
    jsonError(response),
    `GET /no-such-path should answer JSON {"error": "…"} — got ${response.headers["content-type"]}: ${response.text.slice(0, 80)}`,
  ).toBeTypeOf("string");
}

/**
 * HEAD /stream: 200, text/event-stream, no body, at once; not counted as a client. `headers`:
 * what a GET would need too — a lab whose stream needs a credential (lab 10) checks it first.
 */
export async function expectHeadAnswersAtOnce(
  url: string,
  clients: () => number,
  options: { headers?: Record<string, string> } = {},
) {
  const response = await sendRequest(`${url}/stream`, {
    method: "HEAD",
    headers: options.headers,
    timeoutMs: 2000,
  }).catch((error: Error) => {
    throw new Error(`HEAD /stream should answer at once (200, headers, no body): ${error.message}`);
  });
  expect(response.status, "HEAD /stream should answer 200").toBe(200);
  expect(
    response.headers["content-type"],
    "HEAD /stream should send the event-stream headers",
  ).toMatch(/^text\/event-stream/);
  expect(response.text, "HEAD has no body").toBe("");
  expect(clients(), "a HEAD request is not a client: stats().clients should stay 0").toBe(0);
}

/**
 * startServer on a port that is taken rejects with a message that says what to do, and leaves
 * no timer behind: a ticker createApp started and nobody stops would keep the process running
 * after the error (a student's terminal that neither serves nor exits).
 */
export async function expectPortInUseMessage(lab: string, labNumber: number, takenPort: number) {
  const { startServer } = await importLab<{
    startServer(options: object): Promise<{ close(): Promise<void> }>;
  }>(lab);
  const timersBefore = activeTimers();
  const attempt = startServer({ port: takenPort, host: "127.0.0.1", intervalMs: 60_000 });
  // If it somehow started, stop it after the test.
  attempt.then((running) => onCleanup(() => running.close())).catch(() => {});
  const error = await attempt.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error, `startServer on a port in use (${takenPort}) should reject`).toBeInstanceOf(Error);
  expect(
    (error as Error).message,
    "the rejection should say the port is in use and what to run instead",
  ).toBe(
    `port ${takenPort} is in use — stop the other server or pick another: PORT=${takenPort === 9090 ? 9091 : 9090} npm run lab -- ${labNumber}`,
  );
  expect(
    activeTimers() - timersBefore,
    `lab${String(labNumber).padStart(2, "0")}: startServer rejected (port in use) but left timers running, which keep the process alive: when listen() rejects, stop() what createApp started, then rethrow`,
  ).toBe(0);
}

/** What a page on another site can send without a preflight: a "simple" cross-site POST. */
export const foreignPosts: { what: string; headers: Record<string, string>; body: string }[] = [
  { what: "a no-cors fetch with no body", headers: {}, body: "" },
  { what: "a text/plain body", headers: { "Content-Type": "text/plain" }, body: "{}" },
  {
    what: "an HTML form",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: "end=1",
  },
];

/**
 * `POST path` that is not JSON — each kind a foreign page can send without a preflight — is
 * refused with 415 and a JSON error (CSRF). `headers` adds what the endpoint needs otherwise
 * (a credential, say), so that the 415 is about the content type and nothing else.
 */
export async function expectJsonRequired(
  url: string,
  path: string,
  headers: Record<string, string> = {},
) {
  for (const foreign of foreignPosts) {
    const response = await sendRequest(`${url}${path}`, {
      method: "POST",
      headers: { Origin: "http://evil.example", ...headers, ...foreign.headers },
      body: foreign.body,
    });
    const what = `POST ${path} from another site (${foreign.what}) should be refused with 415 and JSON {"error": "…"}`;
    expect(response.status, `${what} — got ${response.status} ${response.text.slice(0, 80)}`).toBe(
      415,
    );
    expect(jsonError(response), `${what} — the body was ${response.text.slice(0, 80)}`).toBeTypeOf(
      "string",
    );
  }
}
