import http from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { describe, expect, test } from "vitest";
import {
  connect,
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

describe("lab07 — the server's hardening (given code)", () => {
  test("HEAD /stream answers at once with the stream's headers and is not counted", async () => {
    const { url, running } = await startLab(lab, { intervalMs: 0 });
    const head = await readRawStream(`${url}/stream`, { method: "HEAD", timeoutMs: 1000 });
    expect(head.status).toBe(200);
    expect(head.headers["content-type"]).toMatch(/^text\/event-stream/);
    expect(head.text).toBe("");
    expect(running.stats().clients).toBe(0);
  });

  test("wrong methods get 405 with Allow, unknown paths a JSON 404, POST without JSON a 415", async () => {
    const { url } = await startLab(lab, { intervalMs: 0 });
    const put = await fetch(`${url}/stream`, { method: "PUT" });
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("GET, HEAD");
    expect(await put.json()).toHaveProperty("error");
    const getSignup = await fetch(`${url}/signup`);
    expect(getSignup.status).toBe(405);
    expect(getSignup.headers.get("allow")).toBe("POST");
    const missing = await fetch(`${url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toHaveProperty("error");
    for (const path of ["/signup", "/stream/end"]) {
      const form = await fetch(`${url}${path}`, {
        method: "POST",
        headers: { "Content-Type": "text/plain" },
        body: '{"name":"Ada"}',
      });
      expect(form.status, `${path} without application/json`).toBe(415);
    }
    const ok = await fetch(`${url}/signup`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: '{"name":"Ada"}',
    });
    expect(ok.status).toBe(202);
  });

  test("a client that stops reading is cut at maxBufferedBytes; the others keep receiving", async () => {
    const { createApp, defaults } = await importLab<{
      createApp(options: object): {
        app: http.RequestListener;
        publish(event: { data: string }): number;
        stats(): { clients: number; slowClientsCut: number };
        stop(): void;
      };
      defaults: object;
    }>(lab);
    const { app, publish, stats, stop } = createApp({
      ...defaults,
      intervalMs: 0,
      maxBufferedBytes: 256 * 1024,
    });
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    onCleanup(() => {
      stop();
      server.closeAllConnections();
      server.close();
    });
    const { port } = server.address() as AddressInfo;
    const stuck = net.connect(port, "127.0.0.1");
    onCleanup(() => stuck.destroy());
    stuck.write("GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    stuck.pause(); // never reads: its kernel buffers fill, then the server's own
    const reader = connect(`http://127.0.0.1:${port}/stream`);
    await waitFor(() => stats().clients === 2, { message: "both clients connected" });

    // 64 KB events, yielding between them so the reading client keeps up: 3–5 MB fill the
    // stuck client's kernel buffers, then 256 KB pile up in the server and it is cut.
    const data = "x".repeat(64 * 1024);
    let published = 0;
    while (stats().slowClientsCut === 0 && published < 500) {
      publish({ data });
      published += 1;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(stats().slowClientsCut, `the stuck client should be cut (${published} events)`).toBe(1);
    expect(stats().clients, "the reading client stays").toBe(1);
    await reader.waitForEvents(published, "the reading client receives every event");
  });

  test("startServer rejects with a clear message when the port is in use", async () => {
    const first = await startLab(lab, { intervalMs: 0 });
    const { startServer } = await importLab<{ startServer(o: object): Promise<unknown> }>(lab);
    const port = Number(new URL(first.url).port);
    await expect(startServer({ port, host: "127.0.0.1", intervalMs: 0 })).rejects.toThrow(
      `port ${port} is in use`,
    );
  });
});

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
