import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, test } from "vitest";
import {
  connectH2,
  findOpenssl,
  importLab,
  labFile,
  onCleanup,
  parseEventStream,
  readRawStream,
  requestH2,
  startLab,
  startNginx,
  waitFor,
} from "./helpers/index.ts";

const lab = "lab07-http2";
const template = labFile(lab, "nginx.conf.template");
const upstreamOf = (url: string) => url.replace("http://", "");

/** The lab's app behind the lab's nginx; an h2 session to nginx, or a TODO 1 failure. */
async function appBehindNginx(options: Record<string, unknown> = {}) {
  const app = await startLab(lab, { intervalMs: 20, ...options });
  const nginx = await startNginx(template, { APP_UPSTREAM: upstreamOf(app.url) });
  const h2url = nginx.url.replace("http://", "https://");
  const session = await connectH2(h2url).catch((error: Error) => {
    throw new Error(
      `lab07 TODO 1: no HTTP/2 session with nginx at ${h2url} (${error.message}). ` +
        "The server block should listen with `ssl $HTTP2_LISTEN` and have ssl_certificate " +
        `and ssl_certificate_key. ${nginx.errorLog()}`,
    );
  });
  return { app, nginx, session };
}

const connectionHeaders = [
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
];

describe("lab07 — HTTP/2 through nginx, seen from node:http2", () => {
  test("TODO 1 · nginx answers over TLS + h2: :status 200 and X-Server-Protocol: HTTP/2.0", async () => {
    const { session, nginx } = await appBehindNginx();
    const response = await requestH2(session, "/");
    expect(response.status, `lab07 TODO 1: GET / over h2. ${nginx.errorLog()}`).toBe(200);
    expect(response.text).toBe("hello!");
    expect(
      response.headers["x-server-protocol"],
      "lab07 TODO 1: add `add_header X-Server-Protocol $server_protocol always;` to the server block",
    ).toBe("HTTP/2.0");
  });

  test("TODO 2 · over h2 the stream arrives: :status 200, text/event-stream, events one by one, in order", async () => {
    const { session, nginx } = await appBehindNginx();
    const response = await requestH2(session, "/stream", {
      until: (text) => parseEventStream(text).events.length >= 5,
      timeoutMs: 2000,
    }).catch((error: Error) => {
      throw new Error(
        `lab07 TODO 2: the h2 client refused the /stream response (${error.message}). ` +
          "An HTTP/2 response must not carry Connection, Keep-Alive or Proxy-Connection, and " +
          `nginx passes Proxy-Connection on: delete those lines in server.ts. ${nginx.errorLog()}`,
      );
    });
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/event-stream/);
    const ids = parseEventStream(response.text).events.map((event) => Number(event.id));
    expect(ids.length, "5 events within 2 s over h2 (one every 20 ms)").toBeGreaterThanOrEqual(5);
    expect(ids, "every event once, in order").toEqual(ids.map((_, i) => (ids[0] ?? 0) + i));
    const withEvents = response.chunks.filter((chunk) => chunk.text.includes("data:"));
    expect(withEvents.length, "events come in separate DATA frames, not in a lump").toBeGreaterThan(
      2,
    );
  });

  test("TODO 2 · the app's /stream response carries no connection-specific header", async () => {
    // Record the headers the app itself set, before Node adds its own HTTP/1.1 ones.
    const { createApp, defaults } = await importLab<{
      createApp(options: object): { app: http.RequestListener; stop(): void };
      defaults: object;
    }>(lab);
    const { app, stop } = createApp({ ...defaults, intervalMs: 0 });
    let setByApp: string[] = [];
    const recorder = http.createServer((req, res) => {
      const writeHead = res.writeHead.bind(res);
      res.writeHead = ((...args: Parameters<typeof res.writeHead>) => {
        setByApp = res.getHeaderNames();
        return writeHead(...args);
      }) as typeof res.writeHead;
      app(req, res);
    });
    await new Promise<void>((resolve) => recorder.listen(0, "127.0.0.1", resolve));
    onCleanup(() => {
      stop();
      recorder.closeAllConnections();
      recorder.close();
    });
    const { port } = recorder.address() as AddressInfo;
    await readRawStream(`http://127.0.0.1:${port}/stream`, { until: (text) => text.length > 0 });
    expect(setByApp, "the app should set Content-Type on /stream").toContain("content-type");
    const forbidden = setByApp.filter((name) => connectionHeaders.includes(name));
    expect(
      forbidden,
      `lab07 TODO 2: server.ts sets ${forbidden.join(", ")} — headers for one HTTP/1.1 connection, ` +
        "which an HTTP/2 response must not carry (RFC 9113 §8.2.2). Delete them.",
    ).toEqual([]);
  });

  test("TODO 2 · HTTP/1.1 direct, h2 through nginx: 8 streams share one h2 connection", async () => {
    const { app, session, nginx } = await appBehindNginx();
    const direct = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const request = http.get(`${app.url}/stream`, resolve);
      request.on("error", reject);
      onCleanup(() => request.destroy());
    });
    expect(direct.httpVersion, "direct to the app: HTTP/1.1").toBe("1.1");
    direct.destroy();

    const streams = await Promise.all(
      Array.from({ length: 8 }, () =>
        requestH2(session, "/stream", {
          until: (text) => parseEventStream(text).events.length >= 2,
        }).catch((error: Error) => ({ status: 0, error, text: "" })),
      ),
    );
    const failed = streams.find((stream) => stream.status !== 200);
    expect(
      failed?.error?.message,
      `lab07 TODO 2: every h2 stream should answer 200 (delete the connection headers). ${nginx.errorLog()}`,
    ).toBeUndefined();
    for (const stream of streams) {
      expect(parseEventStream(stream.text).events.length).toBeGreaterThanOrEqual(2);
    }
    // One TCP connection carried all 8: the session is the connection.
    expect(session.socket?.remotePort, "all 8 streams on one socket to nginx").toBe(nginx.port);
    // The streams were cancelled (RST_STREAM): nginx closes its upstream connections, and the
    // app forgets every client.
    await waitFor(() => app.running.stats().clients === 0, {
      message: "after the h2 streams are cancelled the app should count 0 clients",
      describe: () => `it counts ${app.running.stats().clients}`,
    });
  });
});

// HEAD, 405/404/415, slow clients, a port in use: lab07-http2.hardening.test.ts (as in lab 04).

describe("lab07 — the tools it needs", () => {
  test("a missing openssl fails with the command that installs it, never a silent skip", () => {
    const saved = process.env.OPENSSL_BIN;
    process.env.OPENSSL_BIN = "/nonexistent/openssl";
    try {
      expect(() => findOpenssl()).toThrow(/apt-get install -y openssl.*brew install openssl/s);
    } finally {
      if (saved === undefined) delete process.env.OPENSSL_BIN;
      else process.env.OPENSSL_BIN = saved;
    }
  });
});
