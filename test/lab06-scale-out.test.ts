import { spawn } from "node:child_process";
import path from "node:path";
import { createClient } from "redis";
import { describe, expect, test } from "vitest";
import {
  activeTimers,
  connect,
  importLab,
  labFile,
  onCleanup,
  repoRoot,
  type SseClient,
  startLab,
  startLabProcess,
  startNginx,
  startRedis,
  waitFor,
} from "./helpers/index.ts";

const lab = "lab06-scale-out";

interface BrokerEvent {
  id: string;
  event?: string;
  data: string;
}
interface Broker {
  publish(event: { event?: string; data: string }): Promise<string>;
  subscribe(listener: (event: BrokerEvent) => void): () => void;
  replayAfter(
    lastEventId: string,
  ): Promise<{ kind: "replay" | "reset"; reason?: string; events: BrokerEvent[] }>;
  close(): Promise<void>;
}

/** A Redis broker as one instance would make it, with test-sized waits; closed after the test. */
async function redisBroker(url: string, options: Record<string, unknown> = {}): Promise<Broker> {
  const module = await importLab<{ createRedisBroker: (options: object) => Promise<Broker> }>(
    lab,
    "redis-broker.ts",
  );
  const broker = await module.createRedisBroker({
    url,
    streamKey: "events",
    maxLength: 1000,
    blockMs: 100,
    retryMs: 20,
    ...options,
  });
  onCleanup(() =>
    broker.close().catch((error: Error) => {
      // close() ends the reader, so a read loop blocked in XREAD gets an error: it must catch it.
      throw new Error(
        `lab06 TODO 4: close() failed with "${error.message}": the read loop must catch what XREAD throws (Redis away, or the reader closed) and stop once closed`,
      );
    }),
  );
  return broker;
}

function record(broker: Broker): BrokerEvent[] {
  const seen: BrokerEvent[] = [];
  broker.subscribe((event) => seen.push(event));
  return seen;
}

describe("lab06 — without Redis", () => {
  test("one instance still works as in lab 05, with the in-memory broker", async () => {
    const { url } = await startLab(lab, { intervalMs: 0, heartbeatMs: 0 });
    const client = connect(`${url}/stream`, { eventTypes: ["signup"] });
    await client.waitForOpen("the stream should open");
    const response = await fetch(`${url}/signup`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: "Ada" }),
    });
    expect(response.status, "POST /signup should answer 202").toBe(202);
    const [event] = await client.waitForEvents(1, "the client should get the signup", {
      type: "signup",
    });
    expect(event?.lastEventId, "the memory broker numbers events 1, 2, 3…").toBe("1");
  });
});

/**
 * Set by the first Redis test when the read loop spins while Redis is away. A spinning loop
 * freezes the process that runs it — these tests, and even their timeout — so the tests that
 * stop Redis in this process fail at once with this message instead of hanging.
 */
let readLoopSpins: string | undefined;
function requireReadLoopThatPauses() {
  if (readLoopSpins) throw new Error(readLoopSpins);
}

describe("lab06 — the Redis broker, watched from outside", () => {
  test("TODO 4 · while Redis is away the read loop pauses, so its process stays responsive", async () => {
    const redis = await startRedis();
    const probe = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(repoRoot, "test/fixtures/lab06-read-loop-probe.ts"),
        labFile(lab, "redis-broker.ts"),
        redis.url,
      ],
      { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] },
    );
    const exited = new Promise<void>((resolve) => probe.once("exit", () => resolve()));
    onCleanup(async () => {
      probe.kill("SIGKILL");
      await exited;
    });
    let output = "";
    let ticks = 0;
    probe.stdout.on("data", (bytes: Buffer) => {
      output += bytes.toString();
      ticks += (bytes.toString().match(/tick/g) ?? []).length;
    });
    probe.stderr.on("data", (bytes: Buffer) => {
      output += bytes.toString();
    });

    // First what TODO 4 builds on: the read loop delivers an event (TODOs 1 and 3).
    // A child through tsx starts in about a second, but in many on a machine as busy as a
    // shared classroom server: a generous deadline, ended early by what the child prints.
    await waitFor(() => output.includes("received") || output.includes("publish failed"), {
      timeoutMs: 25_000,
      message:
        "lab06 TODO 3: a broker published one event and its read loop should deliver it to the subscriber",
      describe: () => `the broker's process printed: ${output.slice(-400) || "nothing"}`,
    });
    expect(
      output.includes("publish failed"),
      `lab06 TODO 1: publish() should XADD the event to Redis — the broker's process said: ${output.trim().slice(0, 300)}`,
    ).toBe(false);

    await redis.stop();
    const ticksAtStop = ticks;
    const spinning =
      "lab06 TODO 4: with Redis away, the read loop never pauses: a failed read is retried at once, " +
      "forever, and starves Node's event loop (no timer, no request, no test timeout can run). " +
      "After a failed read, `await pause(options.retryMs)` before reading again";
    await waitFor(() => ticks >= ticksAtStop + 10, {
      timeoutMs: 3000,
      message: spinning,
      describe: () =>
        `the broker's process fired ${ticks - ticksAtStop} of 10 timers of 50 ms in the 3 s after Redis stopped`,
    }).catch((error: Error) => {
      readLoopSpins = `${spinning} (found by the first Redis test)`;
      throw error;
    });
  }, 40_000);
});

describe("lab06 — the Redis broker", () => {
  test("clients that leave leave nothing behind; a closed instance leaves no Redis connection", async () => {
    const redis = await startRedis();
    const admin = createClient({ url: redis.url });
    await admin.connect();
    onCleanup(() => admin.close());
    const redisConnections = async () =>
      ((await admin.sendCommand(["CLIENT", "LIST"])) as string).trim().split("\n").length - 1;

    const instance = await startLab(lab, {
      redisUrl: redis.url,
      intervalMs: 0,
      heartbeatMs: 0,
      redisBlockMs: 100,
    });
    const timersBefore = activeTimers();
    const clients = Array.from({ length: 20 }, () => connect(`${instance.url}/stream`));
    await Promise.all(clients.map((client) => client.waitForOpen("each client should connect")));
    expect(
      await redisConnections(),
      "20 clients, still one command and one reader connection",
    ).toBe(2);
    for (const client of clients) client.close();
    await waitFor(() => instance.running.stats().clients === 0, {
      message: "every stream should be forgotten once its client has left",
    });
    expect(activeTimers(), "no timer may outlive the clients").toBeLessThanOrEqual(timersBefore);

    await instance.close();
    await waitFor(async () => (await redisConnections()) === 0, {
      message: "close() should close the instance's Redis connections, the read loop's too",
      describe: () => "connections still open in CLIENT LIST",
    });
  });

  test("TODO 1, 3 · an event published on one instance reaches the subscribers of another, with a stream id", async () => {
    const redis = await startRedis();
    const [a, b] = [await redisBroker(redis.url), await redisBroker(redis.url)];
    const [seenOnA, seenOnB] = [record(a), record(b)];

    const id = await a.publish({ event: "signup", data: '{"name":"Ada"}' });
    expect(id, "lab06 TODO 1: publish() should resolve to the XADD stream id").toMatch(/^\d+-\d+$/);
    await waitFor(() => seenOnB.length === 1 && seenOnA.length === 1, {
      message: "lab06 TODO 3: an event published on instance A should reach subscribers on A and B",
      describe: () => `A saw ${seenOnA.length}, B saw ${seenOnB.length}`,
    });
    expect(seenOnB).toEqual([{ id, event: "signup", data: '{"name":"Ada"}' }]);
  });

  test("TODO 5 · a client reconnecting to any instance gets what it missed, from Redis", async () => {
    const redis = await startRedis();
    const [a, b] = [await redisBroker(redis.url), await redisBroker(redis.url)];
    const ids: string[] = [];
    for (let n = 1; n <= 5; n += 1) ids.push(await a.publish({ data: `event ${n}` }));

    // The client saw event 2 on instance A; A died; it asks instance B.
    const resume = await b.replayAfter(ids[1] as string);
    expect(
      resume,
      "lab06 TODO 5: replayAfter(id of event 2) on another instance should return events 3,4,5 (XRANGE after that id)",
    ).toEqual({
      kind: "replay",
      events: ids.slice(2).map((id, index) => ({ id, data: `event ${index + 3}` })),
    });
    expect(
      await b.replayAfter(ids[4] as string),
      "lab06 TODO 5: a client that saw the newest event has nothing to replay",
    ).toEqual({ kind: "replay", events: [] });
  });

  test("TODO 5 · a client further behind than MAXLEN gets a reset, never a silent gap", async () => {
    const redis = await startRedis();
    const broker = await redisBroker(redis.url, { maxLength: 10 });
    const first = await broker.publish({ data: "event 1" });
    // MAXLEN ~ trims whole blocks of 100 entries: 300 events push event 1 out for sure.
    for (let n = 2; n <= 300; n += 1) await broker.publish({ data: `event ${n}` });

    const resume = await broker.replayAfter(first);
    expect(
      { kind: resume.kind, reason: resume.reason },
      "lab06 TODO 5: event 1 was trimmed away by MAXLEN, so replayAfter(it) must say reset (too old)",
    ).toEqual({ kind: "reset", reason: "too old" });
    expect(resume.events.length, "the stream keeps at most about MAXLEN events").toBeLessThan(300);
    expect(resume.events.at(-1)?.data, "a reset still sends what is kept").toBe("event 300");
    expect((await broker.replayAfter("42")).kind, "an id Redis never gave is a reset too").toBe(
      "reset",
    );
  });

  test('TODO 5 · an id Redis never gave out gets reset "unknown id", a trimmed one "too old", a non-id "malformed id"', async () => {
    const redis = await startRedis();
    const broker = await redisBroker(redis.url, { maxLength: 10 });
    const first = await broker.publish({ data: "event 1" });
    for (let n = 2; n <= 300; n += 1) await broker.publish({ data: `event ${n}` });
    const newest = await broker.publish({ data: "event 301" });
    // Far in the future: an id from another Redis, or from before a FLUSHALL.
    const future = `${Number(newest.split("-")[0]) + 10 ** 9}-0`;
    const reasons: Record<string, string | undefined> = {};
    for (const [what, id] of [
      ["trimmed by MAXLEN", first],
      ["from the future", future],
      ["not a stream id", "banana"],
    ] as const) {
      const resume = await broker.replayAfter(id);
      reasons[what] = resume.kind === "reset" ? resume.reason : `${resume.kind} (no reset)`;
    }
    expect(
      reasons,
      `lab06 TODO 5: the reset's reason tells the client why: "too old" only when the id is older than the oldest event kept, "unknown id" for a stream id this stream never held, "malformed id" for one that is no stream id at all — got ${JSON.stringify(reasons)}`,
    ).toEqual({
      "trimmed by MAXLEN": "too old",
      "from the future": "unknown id",
      "not a stream id": "malformed id",
    });
  });

  test("TODO 3 · one Redis read loop per instance, however many subscribers it has", async () => {
    const redis = await startRedis();
    const broker = await redisBroker(redis.url);
    const seen = Array.from({ length: 100 }, () => record(broker));
    await broker.publish({ data: "to everyone" });
    await waitFor(() => seen.every((events) => events.length === 1), {
      message: "lab06 TODO 3: each of 100 subscribers on one instance should get the event",
    });

    const admin = createClient({ url: redis.url });
    await admin.connect();
    onCleanup(() => admin.close());
    const connections = (await admin.sendCommand(["CLIENT", "LIST"])) as string;
    // Ours plus the broker's: a command connection and a reader, not one per subscriber.
    const count = connections.trim().split("\n").length - 1;
    expect(
      count,
      "lab06 TODO 3: one XREAD loop per instance, not one connection per subscriber",
    ).toBeLessThanOrEqual(2);
  });

  test("TODO 2, 4 · while Redis is down publish rejects; when it is back delivery resumes, nothing lost or doubled", async () => {
    requireReadLoopThatPauses();
    const redis = await startRedis();
    const [a, b] = [await redisBroker(redis.url), await redisBroker(redis.url)];
    const seenOnA = record(a);
    for (let n = 1; n <= 10; n += 1) await b.publish({ data: `before ${n}` });
    await waitFor(() => seenOnA.length === 10, {
      message: "lab06 TODO 3: A should see all 10 events B published, in one burst",
      describe: () =>
        `A saw ${seenOnA.length}. Each XREAD must go on from the last id A delivered: from "$" it skips whatever was added between two reads`,
    });

    await redis.stop();
    const refused = await a.publish({ data: "during the outage" }).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(
      refused?.name,
      "lab06 TODO 2: with Redis down, publish() must reject with BrokerUnavailableError (the server answers 503)",
    ).toBe("BrokerUnavailableError");

    await redis.restart();
    // B's command connection comes back after its retry delay: publish as soon as it does.
    let published = 0;
    await waitFor(
      async () => {
        try {
          await b.publish({ data: `after ${published + 1}` });
          published += 1;
        } catch {
          // not reconnected yet
        }
        return published === 10;
      },
      { message: "publishing should work again once Redis is back", timeoutMs: 5000 },
    );
    const expected = [
      ...Array.from({ length: 10 }, (_, n) => `before ${n + 1}`),
      ...Array.from({ length: 10 }, (_, n) => `after ${n + 1}`),
    ];
    await waitFor(() => seenOnA.length >= 20, {
      message: "lab06 TODO 4: after Redis restarts, A's read loop should resume from its last id",
      describe: () => `A saw ${seenOnA.length}: ${seenOnA.map((e) => e.data).join(", ")}`,
      timeoutMs: 5000,
    });
    expect(
      seenOnA.map((event) => event.data),
      "every event once, in order",
    ).toEqual(expected);
  });
  test("TODO 5 · a client that reconnects while Redis is down is told to retry, then resumes without a gap", async () => {
    requireReadLoopThatPauses();
    const redis = await startRedis();
    const instance = await startLab(lab, {
      redisUrl: redis.url,
      intervalMs: 0,
      heartbeatMs: 0,
      retryMs: 50,
      redisBlockMs: 100,
      redisRetryMs: 20,
    });
    const ids: string[] = [];
    for (const name of ["Ada", "Grace", "Linus"]) {
      const response = await fetch(`${instance.url}/signup`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ name }),
      });
      expect(response.status, "lab06 TODO 1: POST /signup should store the event (202)").toBe(202);
      ids.push(((await response.json()) as { id: string }).id);
    }

    await redis.stop();
    // The client saw Ada; the instance cannot ask Redis what came after.
    const client = connect(`${instance.url}/stream`, {
      eventTypes: ["signup", "reset"],
      headers: { "Last-Event-ID": ids[0] as string },
    });
    await waitFor(() => client.errors.length >= 2, {
      message:
        "lab06 TODO 5: while Redis is down replayAfter() must reject (BrokerUnavailableError): the server then ends the stream and the client retries",
    });
    expect(
      client.errors.map((error) => error.readyState),
      "the client must keep retrying (CONNECTING), never give up (CLOSED)",
    ).not.toContain(2);

    await redis.restart();
    const events = await client.waitForEvents(2, "once Redis is back the client should resume", {
      type: "signup",
      timeoutMs: 5000,
    });
    expect(
      events.map((event) => event.lastEventId),
      "lab06 TODO 5: after Ada, exactly Grace and Linus, with their stream ids",
    ).toEqual(ids.slice(1));
    expect(client.data("reset"), "no reset: nothing was lost").toEqual([]);
  });
});

/**
 * The whole picture: one Redis, two instances of the lab's server, lab 05's nginx in front,
 * and 20 clients spread over both instances. With `crashable`, each instance is its own
 * process (slower to start) so the test can SIGKILL it; otherwise both run in this process.
 * Every interval is test-sized: heartbeats every 200 ms, reconnect after 50 ms.
 */
async function startCluster({ crashable = false } = {}) {
  const redis = await startRedis();
  const options = {
    redisUrl: redis.url,
    intervalMs: 0,
    heartbeatMs: 200,
    retryMs: 50,
    historySize: 2000,
    redisBlockMs: 200,
    redisRetryMs: 20,
  };
  const start = async (name: string) => {
    if (!crashable) {
      const { url } = await startLab(lab, { ...options, instanceName: name });
      return { address: new URL(url).host, kill: undefined };
    }
    const env = Object.fromEntries(
      Object.entries({ ...options, instanceName: name }).map(([key, value]) => [
        // redisUrl → REDIS_URL, instanceName → INSTANCE: what server.ts reads when run directly.
        key === "instanceName" ? "INSTANCE" : key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase(),
        value,
      ]),
    );
    const running = await startLabProcess(lab, env);
    return { address: running.address, kill: running.kill };
  };
  const [a, b] = await Promise.all([start("a"), start("b")]);
  const nginx = await startNginx(labFile(lab, "nginx.conf.template"), {
    APP_1: a.address,
    APP_2: b.address,
    PROXY_READ_TIMEOUT: "5s",
  });
  // ?client= is lab 05's sticky key: each client keeps its instance while that one is up.
  const clients = Array.from({ length: 20 }, (_, n) =>
    connect(`${nginx.url}/stream?client=c${n}`, { eventTypes: ["signup", "reset"] }),
  );
  await Promise.all(clients.map((client) => client.waitForOpen("each client should connect")));
  return { redis, instances: { a, b }, nginx, clients };
}

function instanceOf(client: SseClient, attempt = 0): string | null | undefined {
  return client.attempts[attempt]?.responseHeaders?.get("x-instance");
}

interface Publish {
  name: string;
  status: number;
  /** The stream id the server answered with (202 { id }): the order clients must see. */
  id?: string;
  instance: string | null;
}

const acknowledged = (p: Publish) => p.status >= 200 && p.status < 300;

/**
 * POST /signup `count` times through nginx, a few at a time as real publishers would, and
 * call `after(n)` once n have been acknowledged (the other publishers keep going meanwhile).
 * A failed request is recorded, not thrown: only acknowledged events are owed to clients.
 */
async function publishMany(
  url: string,
  count: number,
  after: (acked: number) => Promise<void> = async () => {},
) {
  const publishes: Publish[] = [];
  let next = 1;
  let acked = 0;
  const publisher = async () => {
    while (next <= count) {
      const name = `event ${next++}`;
      const response = await fetch(`${url}/signup`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ name }),
      }).catch(() => undefined);
      const body = (await response?.json().catch(() => ({}))) as { id?: string } | undefined;
      const status = response?.status ?? 0;
      publishes.push({
        name,
        status,
        id: body?.id,
        instance: response?.headers.get("x-instance") ?? null,
      });
      if (status >= 200 && status < 300) await after(++acked);
    }
  };
  await Promise.all(Array.from({ length: 4 }, publisher));
  return publishes;
}

/** Compare stream ids ("ms-seq") as numbers: the order Redis gave the events. */
function byStreamId(a: Publish, b: Publish): number {
  const [x, y] = [a.id ?? "0-0", b.id ?? "0-0"].map((id) => id.split("-").map(BigInt));
  const [xMs = 0n, xSeq = 0n] = x ?? [];
  const [yMs = 0n, ySeq = 0n] = y ?? [];
  return xMs !== yMs ? (xMs < yMs ? -1 : 1) : xSeq < ySeq ? -1 : xSeq > ySeq ? 1 : 0;
}

const namesOf = (client: SseClient) =>
  client.data("signup").map((data) => (JSON.parse(data) as { name: string }).name);

/** Wait until every client holds every acknowledged event, then count what was lost or doubled. */
async function expectEveryEventOnce(clients: SseClient[], publishes: Publish[], todo: string) {
  const acked = publishes
    .filter(acknowledged)
    .sort(byStreamId)
    .map((p) => p.name);
  const ackedSet = new Set(acked);
  // Only requests in flight when an instance dies, or sent while Redis is down, may fail.
  expect(
    acked.length,
    `lab06 TODO 1: at least 400 of ${publishes.length} publishes should be answered 202 (stored in Redis); ${acked.length} were`,
  ).toBeGreaterThanOrEqual(400);
  const idOf = new Map(publishes.map((p) => [p.name, p.id]));
  const lost = () =>
    clients.map((client) => {
      const received = new Set(namesOf(client));
      return acked.filter((name) => !received.has(name)).length;
    });
  await waitFor(() => clients.every((client) => namesOf(client).includes(acked.at(-1) ?? "")), {
    timeoutMs: 5000,
    message: `${todo}: every client should receive all ${acked.length} acknowledged events`,
    describe: () => `events missing per client: ${lost().join(", ")}`,
  });
  for (const [index, client] of clients.entries()) {
    const received = namesOf(client);
    const duplicates = received.length - new Set(received).size;
    expect(duplicates, `${todo}: client ${index} received ${duplicates} events twice`).toBe(0);
    expect(
      received.filter((name) => ackedSet.has(name)),
      `${todo}: client ${index} should have every acknowledged event once, in stream-id order`,
    ).toEqual(acked);
  }
  const wrongIds = clients.flatMap((client) =>
    client.events
      .filter((event) => event.type === "signup")
      .filter((event) => {
        const expected = idOf.get((JSON.parse(event.data) as { name: string }).name);
        return expected !== undefined && event.lastEventId !== expected;
      }),
  );
  expect(
    wrongIds.slice(0, 3),
    "lab06 TODO 3: the SSE id: of every event must be its Redis stream id, on every instance",
  ).toEqual([]);
  return {
    clients: clients.length,
    acked: acked.length,
    lost: lost().reduce((sum, n) => sum + n, 0),
  };
}

// Starting two Node processes with tsx takes a second or two on a busy 2-core machine, and
// each may take up to 20 s to listen before the test gives up (see startLabProcess).
const clusterTimeoutMs = 45_000;

describe("lab06 — two instances behind nginx, one Redis", () => {
  test(
    "TODO 1, 3 · 500 events published on either instance reach all 20 clients, in order, exactly once",
    async () => {
      const { nginx, clients } = await startCluster();
      const onA = clients.filter((client) => instanceOf(client) === "a").length;
      expect(onA, "nginx should spread the 20 clients over both instances").toBeGreaterThan(0);
      expect(onA, "nginx should spread the 20 clients over both instances").toBeLessThan(20);

      const publishes = await publishMany(nginx.url, 500);
      expect(
        publishes.filter((p) => p.status !== 202),
        "lab06 TODO 1: every publish should be stored in Redis and answered 202",
      ).toEqual([]);
      const publishedOn = new Set(publishes.map((p) => p.instance));
      expect([...publishedOn].sort(), "publishes should land on both instances").toEqual([
        "a",
        "b",
      ]);

      const counts = await expectEveryEventOnce(
        clients,
        publishes,
        "lab06 TODO 3: events published on one instance must reach the clients of the other",
      );
      expect(counts).toEqual({ clients: 20, acked: 500, lost: 0 });
    },
    clusterTimeoutMs,
  );

  test(
    "TODO 5 · an instance is SIGKILLed mid-stream: its clients resume on the survivor, nothing lost or doubled",
    async () => {
      const { nginx, clients, instances } = await startCluster({ crashable: true });
      const victims = clients.filter((client) => instanceOf(client) === "a");
      expect(victims.length, "some clients should be on instance a").toBeGreaterThan(0);

      const publishes = await publishMany(nginx.url, 500, async (acked) => {
        if (acked === 200) await instances.a.kill?.("SIGKILL");
      });

      const counts = await expectEveryEventOnce(
        clients,
        publishes,
        "lab06 TODO 5: after a crash, clients reconnect to the other instance with Last-Event-ID and must get what they missed from Redis",
      );
      expect(counts.lost, "no acknowledged event may be lost").toBe(0);
      for (const client of victims) {
        const resumed = client.attempts.slice(1);
        expect(
          resumed.some(
            (attempt) => attempt.lastEventId && attempt.responseHeaders?.get("x-instance") === "b",
          ),
          "a client of the dead instance should reconnect to b, sending Last-Event-ID",
        ).toBe(true);
        expect(client.data("reset"), "resuming from Redis needs no reset").toEqual([]);
      }
    },
    clusterTimeoutMs,
  );

  test(
    "TODO 2, 4 · Redis restarts mid-stream: refused publishes get 503, every acknowledged one arrives exactly once",
    async () => {
      requireReadLoopThatPauses();
      const { nginx, clients, redis } = await startCluster();
      let refusedDuringOutage = 0;
      const publishes = await publishMany(nginx.url, 500, async (acked) => {
        if (acked !== 200) return;
        await redis.stop();
        // Publish into the outage: these must be refused, loudly.
        for (let n = 1; n <= 5; n += 1) {
          const response = await fetch(`${nginx.url}/signup`, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ name: `during outage ${n}` }),
          });
          const body = (await response.json()) as { error?: string };
          expect(
            { status: response.status, hasError: typeof body.error === "string" },
            "lab06 TODO 2: with Redis down, POST /signup must answer 503 with a JSON error",
          ).toEqual({ status: 503, hasError: true });
          refusedDuringOutage += 1;
        }
        await redis.restart();
      });

      const counts = await expectEveryEventOnce(
        clients,
        publishes,
        "lab06 TODO 4: after Redis is back, each instance's read loop must resume from its last id",
      );
      expect(counts.lost).toBe(0);
      expect(
        clients.map((client) => client.opens),
        "the streams should stay open while Redis is away",
      ).toEqual(clients.map(() => 1));
      expect(refusedDuringOutage, "every publish sent during the outage should be refused").toBe(5);
      expect(
        publishes.filter((p) => p.status !== 202 && p.status !== 503),
        "lab06 TODO 2: a publish is either accepted (202) or refused (503), nothing else",
      ).toEqual([]);
      for (const client of clients) {
        expect(
          client.data("signup").some((data) => data.includes("during outage")),
          "a refused publish must never reach a client",
        ).toBe(false);
      }
    },
    clusterTimeoutMs,
  );
});
