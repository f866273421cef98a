import { describe, expect, test } from "vitest";
import {
  type Cluster,
  connect,
  delay,
  parseEventStream,
  readRawStream,
  type SseClient,
  startCluster,
  startLab,
  startLabProcess,
  trackIntervals,
  waitFor,
} from "./helpers/index.ts";

const lab = "lab05-load-balancer";

/** The instance a client's newest event came from ("one"/"two"), read from the event itself. */
function instanceOf(event: { data: string } | undefined): string | undefined {
  if (!event) return undefined;
  if (event.data.startsWith("{")) return (JSON.parse(event.data) as { instance?: string }).instance;
  return /from (\w+)$/.exec(event.data)?.[1];
}

/**
 * What to fix when requests do not take turns. "Add APP_2" is wrong advice if both servers are
 * already in the upstream: then a balancing method sends everything one way (ip_hash: every
 * test request comes from 127.0.0.1).
 */
function spreadAdvice(cluster: Pick<Cluster, "one" | "two" | "nginx">): string {
  const two = cluster.two.url.replace("http://", "");
  const directives = cluster.nginx.config.replace(/#.*$/gm, "");
  if (!new RegExp(`^\\s*server\\s+${two}`, "m").test(directives))
    return `lab05 TODO 1: add server \${APP_2} to the upstream`;
  const method = /^\s*(ip_hash|hash\s+[^;]*|least_conn|random[^;]*);/m.exec(directives)?.[1];
  return (
    `lab05 TODO 1/4: both servers are in the upstream, but \`${method ?? "its balancing"}\` sends every request to one. ` +
    "For TODO 4 use `hash $arg_client consistent;`: requests without ?client= hash to an empty key and take turns" +
    (method === "ip_hash"
      ? " (ip_hash sends every client from one address — here all of them — to one instance)"
      : "")
  );
}

async function signup(url: string, name: string) {
  const response = await fetch(`${url}/signup`, {
    method: "POST",
    // A fresh connection each time: a test may have just cut the kept-alive one (dropConnections).
    headers: { "Content-Type": "application/json", Connection: "close" },
    body: JSON.stringify({ name }),
  });
  return { status: response.status, instance: response.headers.get("x-instance") };
}

/** Open clients through nginx until at least one sits on each instance (round robin alternates). */
async function clientsOnEachInstance(
  nginxUrl: string,
  servedBy: () => { one: number; two: number },
  advice: () => string,
) {
  const clients: SseClient[] = [];
  for (let i = 0; i < 2; i++) {
    const client = connect(`${nginxUrl}/stream`, { eventTypes: ["signup", "reset"] });
    await client.waitForOpen("a client should connect through nginx");
    clients.push(client);
  }
  const counts = servedBy();
  expect(
    counts.one > 0 && counts.two > 0,
    `${advice()} — two streams through nginx should land on two instances; requests served: ${JSON.stringify(counts)}`,
  ).toBe(true);
  return clients;
}

describe("lab05 — nginx spreads the load over two instances", () => {
  test("TODO 1 · requests take turns between both instances", async () => {
    const cluster = await startCluster(lab);
    const { nginx, served } = cluster;
    for (let i = 0; i < 4; i++) await fetch(`${nginx.url}/`);
    expect(
      served,
      `${spreadAdvice(cluster)} — 4 requests through nginx should be shared 2/2. ${nginx.errorLog()}`,
    ).toEqual({ one: 2, two: 2 });
  });

  test("TODO 2 · every response and every event names the instance that served it", async () => {
    const { one } = await startCluster(lab, { intervalMs: 20 });
    const response = await readRawStream(`${one.url}/stream`, {
      until: (text) => parseEventStream(text).events.length >= 1,
    });
    expect(
      response.headers["x-instance"],
      "lab05 TODO 2: every response should carry the header X-Instance: <instanceName>",
    ).toBe("one");
    const tick = parseEventStream(response.text).events[0];
    expect(tick?.data, "lab05 TODO 2: a tick should end with `from <instanceName>`").toMatch(
      / from one$/,
    );
    const client = connect(`${one.url}/stream`, { eventTypes: ["signup"] });
    await client.waitForOpen("a client should connect");
    await signup(one.url, "Ada");
    const [event] = await client.waitForEvents(1, "the signup should arrive", { type: "signup" });
    expect(
      JSON.parse(event?.data ?? "{}"),
      'lab05 TODO 2: a signup event should carry {"name", "instance"}',
    ).toEqual({ name: "Ada", instance: "one" });
  });
});

describe("lab05 — the idle timeout: nginx cuts a quiet stream", () => {
  // nginx's proxy_read_timeout is 60 s by default; here 600 ms, watched for 3 timeouts.
  // Not less: nginx moves a pending timer only when the new deadline is 300 ms later than the
  // old one (NGX_TIMER_LAZY_DELAY), so a timeout near 300 ms fires despite the heartbeats.
  const timeout = 600;
  const spanMs = 3 * timeout;

  test("without heartbeats, a quiet stream is cut and the client reconnects", async () => {
    const { nginx } = await startCluster(lab, { heartbeatMs: 0 }, `${timeout}ms`);
    const client = connect(`${nginx.url}/stream`);
    await client.waitForOpen("a client should connect through nginx");
    await delay(spanMs);
    console.info(`lab05, no heartbeat: ${client.errors.length} reconnects in ${spanMs} ms`);
    expect(
      client.errors.length,
      `with proxy_read_timeout ${timeout}ms and nothing sent, nginx should cut the stream ` +
        `at least once in ${spanMs} ms. ${nginx.errorLog()}`,
    ).toBeGreaterThanOrEqual(1);
    expect(client.attempts.length, "and the client reconnects").toBeGreaterThanOrEqual(2);
  });

  test("TODO 3 · with a heartbeat comment every 100 ms, the stream stays up", async () => {
    const { nginx } = await startCluster(lab, { heartbeatMs: 100 }, `${timeout}ms`);
    const client = connect(`${nginx.url}/stream`);
    await client.waitForOpen("a client should connect through nginx");
    await delay(spanMs);
    console.info(`lab05, heartbeat 100 ms: ${client.errors.length} reconnects in ${spanMs} ms`);
    expect(
      client.errors.length,
      `lab05 TODO 3: with heartbeatMs 100 and proxy_read_timeout ${timeout}ms the stream should ` +
        `never be cut, but the client saw ${client.errors.length} error(s) in ${spanMs} ms. ` +
        "Write `: ping` to every stream every heartbeatMs",
    ).toBe(0);
    const raw = await readRawStream(`${nginx.url}/stream`, {
      until: (text) => parseEventStream(text).comments.length >= 1,
      timeoutMs: 500,
    });
    expect(parseEventStream(raw.text).comments, "lab05 TODO 3: the comment is `: ping`").toEqual([
      "ping",
    ]);
  });
});

describe("lab05 — heartbeats leave nothing behind", () => {
  test("TODO 3 · after 10 clients leave, no heartbeat timer is left per client; after stop(), none at all", async () => {
    const intervals = trackIntervals();
    const lab05 = await startLab(lab, { intervalMs: 0, heartbeatMs: 20 });
    // The heartbeat must exist before its cleanup means anything.
    const first = await readRawStream(`${lab05.url}/stream`, {
      until: (text) => parseEventStream(text).comments.includes("ping"),
      timeoutMs: 1000,
    });
    expect(
      parseEventStream(first.text).comments,
      "lab05 TODO 3: write the comment `: ping` to every stream every heartbeatMs (20 ms here)",
    ).toContain("ping");
    const runningWithNoClient = intervals.running();

    const clients = Array.from({ length: 10 }, () => connect(`${lab05.url}/stream`));
    for (const client of clients) await client.waitForOpen("each client should connect", 10_000);
    for (const client of clients) client.close();
    await waitFor(
      () => lab05.running.stats().clients === 0 && intervals.running() <= runningWithNoClient,
      {
        timeoutMs: 2000,
        message:
          "lab05 TODO 3: 10 clients left but intervals started for them still run. Use ONE " +
          "heartbeat interval for all streams (writing to each open one), not one per stream that nobody clears",
        describe: () =>
          `${intervals.running() - runningWithNoClient} intervals more than the server ran with no client, ${lab05.running.stats().clients} streams still counted`,
      },
    );

    await lab05.close();
    expect(
      intervals.running(),
      "lab05 TODO 3: after close() (which calls stop()) the heartbeat interval still runs: clear it in stop()",
    ).toBe(0);
  });
});

describe("lab05 — the state con: each instance has its own clients and history", () => {
  test("a signup reaches only the clients of the instance that took the POST", async () => {
    const cluster = await startCluster(lab);
    const { nginx, served } = cluster;
    const clients = await clientsOnEachInstance(
      nginx.url,
      () => ({ ...served }),
      () => spreadAdvice(cluster),
    );
    const { instance } = await signup(nginx.url, "Grace");
    expect(
      instance ?? "no header",
      "lab05 TODO 2: the POST's response should say X-Instance",
    ).toMatch(/one|two/);

    await waitFor(() => clients.some((client) => client.data("signup").length > 0), {
      message: "the signup should reach the clients of the instance that took it",
    });
    await delay(200);
    const got = clients.map((client) => client.data("signup").length);
    expect(
      got.sort(),
      "one client got the signup, the other (on the other instance) never does",
    ).toEqual([0, 1]);
  });

  test("a client that reconnects to the other instance loses its history", async () => {
    const { one, two, nginx } = await startCluster(lab);
    // Three signups on instance one; the client saw up to id 2 and missed id 3.
    for (const name of ["a", "b", "c"]) await signup(one.url, name);
    const sameInstance = await resumeVia(one.url, "2");
    expect(
      sameInstance.map((event) => event.data),
      "instance one replays id 3 (lab05 TODO 2: with its name in the signup)",
    ).toEqual(['{"name":"c","instance":"one"}']);

    // The same reconnect, answered by instance two: it never had id 3.
    const otherInstance = await resumeVia(two.url, "2");
    expect(
      otherInstance.map((event) => event.event),
      "instance two has no history up to id 2: it can only send a reset, and id 3 is lost",
    ).toEqual(["reset"]);
    // Through the load balancer, the reconnect lands on either of them.
    const servedBy = new Set<string | undefined>();
    for (let i = 0; i < 4; i++) {
      const response = await readRawStream(`${nginx.url}/stream`, {
        headers: { "Last-Event-ID": "2" },
        until: (text) => parseEventStream(text).events.length >= 1,
        timeoutMs: 500,
      });
      servedBy.add(response.headers["x-instance"] as string | undefined);
    }
    expect([...servedBy].sort(), "round robin sends reconnects to both instances").toEqual([
      "one",
      "two",
    ]);
  });
});

async function resumeVia(url: string, lastEventId: string) {
  const response = await readRawStream(`${url}/stream`, {
    headers: { "Last-Event-ID": lastEventId },
    until: (text) => parseEventStream(text).events.length >= 1,
    timeoutMs: 500,
  });
  return parseEventStream(response.text).events;
}

describe("lab05 — sticky routing, and its limit", () => {
  test("TODO 4 · with ?client=<key>, every request of a client lands on the same instance", async () => {
    const { nginx } = await startCluster(lab);
    const homes = new Set<string | null>();
    // Consistent hashing places the servers by their address (random ports here): with 16 keys
    // the chance that all land on one instance is about 1 in 30 000.
    for (const key of Array.from({ length: 16 }, (_, i) => `student${i}`)) {
      const servedBy = new Set<string | null>();
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${nginx.url}/?client=${key}`);
        servedBy.add(response.headers.get("x-instance"));
      }
      expect(
        servedBy.size,
        `lab05 TODO 4: 3 requests with ?client=${key} went to ${[...servedBy].join(" and ")}; ` +
          "add `hash $arg_client consistent;` to the upstream",
      ).toBe(1);
      for (const home of servedBy) homes.add(home);
    }
    expect(
      [...homes].sort(),
      "16 keys should still be spread over both instances (needs TODO 1 and TODO 2)",
    ).toEqual(["one", "two"]);
  });

  test("TODO 4 · a dropped client comes back to its instance and resumes; when that instance dies, its history dies too", async () => {
    const { nginx, instances } = await startCluster(lab);
    const url = `${nginx.url}/stream?client=alice`;
    const client = connect(url, { eventTypes: ["signup", "reset"] });
    await client.waitForOpen("alice should connect through nginx");
    const home = client.attempts[0]?.responseHeaders?.get("x-instance") as "one" | "two";
    expect(
      home ?? "no header",
      "lab05 TODO 2: the stream's response should say X-Instance",
    ).toMatch(/one|two/);
    const homeLab = instances[home];

    await signup(homeLab.url, "before");
    await client.waitForEvents(1, "alice should get the first signup", { type: "signup" });
    // Sent straight to alice's instance while her connection is down: she must get it on resume.
    homeLab.dropConnections();
    await signup(homeLab.url, "while away");
    await client.waitForEvents(2, "lab05 TODO 4: alice should get both signups", {
      type: "signup",
    });
    expect(
      client.attempts.map((attempt) => attempt.responseHeaders?.get("x-instance")),
      "lab05 TODO 4: alice's reconnect should land on the same instance",
    ).toEqual([home, home]);

    // Now her instance goes away for good.
    await homeLab.close();
    await client.waitForEvents(1, "after her instance died, alice should hear from the other", {
      type: "reset",
      timeoutMs: 3000,
    });
    expect(
      client.attempts.at(-1)?.responseHeaders?.get("x-instance"),
      "her reconnect lands on the surviving instance",
    ).not.toBe(home);
    expect(
      JSON.parse(client.data("reset")[0] ?? "{}").reason,
      "the surviving instance never saw her ids: stickiness cannot save history (lab 06 can)",
    ).toBe("unknown id");
  });
});

describe("lab05 — graceful shutdown", () => {
  test("TODO 5 · shutdown() ends every stream at once; the clients come back on the other instance", async () => {
    const cluster = await startCluster(lab, { intervalMs: 20 });
    const { nginx, served, instances } = cluster;
    const clients = await clientsOnEachInstance(
      nginx.url,
      () => ({ ...served }),
      () => spreadAdvice(cluster),
    );
    for (const client of clients) await client.waitForEvents(1, "ticks should flow");
    const leaving = clients.find((client) => instanceOf(client.events.at(-1)) === "one");
    expect(leaving, "lab05 TODO 2: ticks should say which instance sent them").toBeDefined();

    const started = performance.now();
    await instances.one.running.shutdown();
    const tookMs = performance.now() - started;
    expect(
      tookMs,
      `lab05 TODO 5: shutdown() took ${Math.round(tookMs)} ms; end every stream so it can finish at once`,
    ).toBeLessThan(1000);
    expect(instances.one.server.listening, "after shutdown the instance accepts nothing").toBe(
      false,
    );
    await waitFor(() => clients.every((client) => instanceOf(client.events.at(-1)) === "two"), {
      message: "every client should be back, now on instance two",
      describe: () => JSON.stringify(clients.map((client) => client.events.at(-1)?.data)),
    });
  });

  test("TODO 5 · on SIGTERM the process ends its open streams and exits within 2 s", async () => {
    const instance = await startLabProcess(lab, { INSTANCE: "one", HEARTBEAT_MS: 0 });
    const stream = readRawStream(`${instance.url}/stream`, { timeoutMs: 5000 });
    await waitFor(async () => (await fetch(`${instance.url}/`)).ok, {
      message: "the instance should answer",
    });
    const started = performance.now();
    await instance.kill("SIGTERM");
    const tookMs = performance.now() - started;
    const response = await stream;
    expect(
      tookMs,
      `lab05 TODO 5: after SIGTERM the process took ${Math.round(tookMs)} ms to exit with a stream open. ` +
        "End every stream (endStreams()), then close the keep-alive connections they leave " +
        `idle (server.closeIdleConnections()): server.close() waits for both. ${instance.output()}`,
    ).toBeLessThan(2000);
    expect(response.status, "the stream had opened before the signal").toBe(200);
  });
});
