// Lab 10 — security: who may listen, to what, and how much.
// Three ways in (a session cookie, a signed token in the query, a Bearer header), private
// events, and bounds on everything a client can make the server hold.
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import cookieParser from "cookie-parser";
import cors from "cors";
import express from "express";
import { MemoryStore, rateLimit } from "express-rate-limit";
import { encodeEvent } from "./encode-event.ts";
import { answerUnroutedRequests, listen, requireJson } from "./http-errors.ts";
import { type Listener, PrivateStreams } from "./private-streams.ts";
import { type Session, SessionStore } from "./sessions.ts";
import { signToken, verifyToken } from "./signed-token.ts";

export interface Options {
  port: number;
  host: string;
  /** Pages allowed to call this server from another origin, with their cookies. */
  corsOrigins: string[];
  /** Signs the session cookie (cookie-parser). A random one per start unless COOKIE_SECRET is set. */
  cookieSecret: string;
  /** Signs stream tokens (HMAC-SHA256). A random one per start unless TOKEN_SECRET is set. */
  tokenSecret: string;
  sessionTtlMs: number;
  /** Lifetime of a stream token: long enough to open a stream, short enough to be useless in a log. */
  tokenTtlMs: number;
  /** Send the cookie over HTTPS only. Set it in production; this lab runs on http://localhost. */
  secureCookies: boolean;
  /** Open streams one user may hold at once; the next one gets 429. */
  maxStreamsPerUser: number;
  /** What a 429 for one stream too many tells the client to wait, in seconds. */
  retryAfterSeconds: number;
  /** Publishes per user per window. */
  publishLimit: number;
  publishWindowMs: number;
  maxBodyBytes: number;
  maxTextLength: number;
  /** Bytes a stream may have waiting in memory before the server gives up on that client. */
  maxBufferedBytes: number;
  /** The reconnection delay the server asks clients to use, in ms. */
  retryMs: number;
}

export const defaults: Options = {
  port: 8080,
  host: "localhost",
  corsOrigins: ["http://localhost:5173", "http://127.0.0.1:5173"],
  cookieSecret: process.env.COOKIE_SECRET ?? randomBytes(32).toString("hex"),
  tokenSecret: process.env.TOKEN_SECRET ?? randomBytes(32).toString("hex"),
  sessionTtlMs: 60 * 60 * 1000,
  tokenTtlMs: 30_000,
  secureCookies: false,
  maxStreamsPerUser: 3,
  retryAfterSeconds: 5,
  publishLimit: 10,
  publishWindowMs: 10_000,
  maxBodyBytes: 1024,
  maxTextLength: 500,
  maxBufferedBytes: 256 * 1024,
  retryMs: 1000,
};

const userName = /^[a-z][a-z0-9_-]{0,31}$/;

interface Credential {
  session: Session;
  via: "cookie" | "query token" | "bearer token";
}

export function createApp(options: Options) {
  const app = express();
  const sessions = new SessionStore(options.sessionTtlMs);
  const streams = new PrivateStreams();
  const counters = { slowClientsCut: 0 };

  /** Write to one client, and cut it if it has stopped reading (as in labs 02–07). */
  function writeOrCut(res: express.Response, frame: string) {
    if (res.destroyed) return;
    res.write(frame);
    if (res.writableLength > options.maxBufferedBytes) {
      counters.slowClientsCut += 1;
      console.warn(`cut a client that stopped reading (${res.writableLength} bytes unread)`);
      res.destroy(); // a client that stops reading would make us hold every later event for it
    }
  }

  // #region publish
  /** Serialize once, write the same bytes to every stream allowed to see the event. */
  function publish(message: { from: string; to?: string; text: string }): number {
    const frame = encodeEvent({ data: JSON.stringify(message) });
    const recipients = streams.recipients(message);
    for (const listener of recipients) writeOrCut(listener.res, frame);
    return recipients.length;
  }
  // #endregion

  // #region cors
  app.use(
    cors({
      // An array: the cors package echoes the request's Origin only if it is listed.
      origin: options.corsOrigins,
      // Access-Control-Allow-Credentials: true — the page may send its cookie and read the answer.
      // Browsers refuse this together with `Access-Control-Allow-Origin: *`.
      credentials: true,
      allowedHeaders: ["Content-Type", "Last-Event-ID", "Authorization"],
      exposedHeaders: ["Retry-After"],
    }),
  );
  // #endregion
  // Reads the Cookie header; a cookie signed with the secret lands in req.signedCookies.
  app.use(cookieParser(options.cookieSecret));

  // requireJson (http-errors.ts) on every POST: a foreign page can POST a form or a no-cors
  // fetch (text/plain) with the user's cookie, and the CORS allowlist does not stop the
  // request, only the reading of the answer. application/json needs a preflight, which the
  // allowlist refuses: no CSRF.
  const json = express.json({ limit: options.maxBodyBytes });

  // #region authenticate
  /** Who is asking, from a Bearer header, a ?token= or the session cookie (only one is read). */
  function authenticate(req: express.Request): Credential | undefined {
    const fromToken = (token: string, via: Credential["via"]) => {
      const claims = verifyToken(token, options.tokenSecret);
      const session = claims && sessions.get(claims.sid);
      return session && { session, via };
    };
    const authorization = req.get("Authorization");
    if (authorization !== undefined) {
      const [, token] = /^Bearer ([\w.-]+)$/.exec(authorization) ?? [];
      return token ? fromToken(token, "bearer token") : undefined;
    }
    const { token } = req.query;
    if (token !== undefined)
      return typeof token === "string" ? fromToken(token, "query token") : undefined;
    // false when the signature is wrong: a cookie edited by hand is no cookie at all.
    const sid: unknown = req.signedCookies.sid;
    const session = typeof sid === "string" ? sessions.get(sid) : undefined;
    return session && { session, via: "cookie" };
  }
  // #endregion

  /** 401 unless the request authenticates in one of the `accepted` ways. */
  function requireUser(...accepted: Credential["via"][]) {
    return (req: express.Request, res: express.Response, next: express.NextFunction) => {
      const credential = authenticate(req);
      if (!credential || !accepted.includes(credential.via)) {
        res.set("WWW-Authenticate", 'Bearer realm="lab10"');
        res.status(401).json({
          error: credential
            ? `${req.path} does not accept a ${credential.via}`
            : "not signed in, or the session or token expired",
        });
        return;
      }
      res.locals.credential = credential;
      next();
    };
  }
  // A token from a log is only good for opening a stream, for a few seconds: it cannot mint
  // new tokens (only the cookie can), and the query is accepted on GET /stream alone.
  const signedIn = requireUser("cookie", "bearer token");
  const credentialOf = (res: express.Response) => res.locals.credential as Credential;

  app.get("/", (_req, res) => {
    res.type("text/plain").send("lab10: POST /login, GET /stream, POST /publish\n");
  });

  // #region login
  app.post("/login", requireJson, json, (req, res) => {
    const user: unknown = req.body?.user;
    if (typeof user !== "string" || !userName.test(user)) {
      res.status(400).json({ error: 'send {"user": "ada"}: lowercase letters, digits, - and _' });
      return;
    }
    const session = sessions.create(user);
    res.cookie("sid", session.id, {
      signed: true, // cookie-parser adds an HMAC: a forged or edited id is refused
      httpOnly: true, // page scripts cannot read it, so an XSS bug cannot steal it
      sameSite: "lax", // not sent on cross-site POSTs and subrequests from other sites
      secure: options.secureCookies, // HTTPS only (production)
      maxAge: options.sessionTtlMs,
    });
    res.json({ user, expiresAt: session.expiresAt });
  });
  // #endregion

  app.get("/me", signedIn, (_req, res) => {
    const { session, via } = credentialOf(res);
    res.json({ user: session.user, via, expiresAt: session.expiresAt });
  });

  // A short-lived token for ?token= or Authorization: Bearer, issued to a cookie session.
  app.post("/tokens", requireJson, requireUser("cookie"), (_req, res) => {
    const { session } = credentialOf(res);
    const exp = Math.min(Date.now() + options.tokenTtlMs, session.expiresAt);
    res.json({ token: signToken({ sid: session.id, exp }, options.tokenSecret), expiresAt: exp });
  });

  // #region logout
  app.post("/logout", requireJson, signedIn, (_req, res) => {
    const { session } = credentialOf(res);
    sessions.revoke(session.id);
    // A revoked session must stop listening now, not whenever its stream happens to drop.
    // end(): EventSource reconnects, gets 401, and gives up.
    for (const listener of streams.ofSession(session.id)) listener.res.end();
    res.clearCookie("sid");
    res.status(204).end();
  });
  // #endregion

  app.get("/stream", requireUser("cookie", "query token", "bearer token"), (req, res) => {
    const { session } = credentialOf(res);
    // #region stream-limit
    if (req.method !== "HEAD" && streams.countFor(session.user) >= options.maxStreamsPerUser) {
      // Every open stream holds a socket and memory: one user must not hold them all.
      res.set("Retry-After", String(options.retryAfterSeconds));
      res.status(429).json({
        error: `at most ${options.maxStreamsPerUser} open streams per user: close one first`,
      });
      return;
    }
    // #endregion
    res.setHeader("Content-Type", "text/event-stream");
    res.setHeader("Cache-Control", "no-cache");
    res.setHeader("X-Accel-Buffering", "no");
    if (req.method === "HEAD") {
      res.flushHeaders();
      res.end();
      return;
    }
    // retry first: it sends the headers (so 'open' fires) and sets the client's delay.
    res.write(encodeEvent({ retry: options.retryMs }));
    const listener: Listener = { user: session.user, sessionId: session.id, res };
    streams.add(listener);
    // #region session-expiry
    // The session ends on the server's clock, even in the middle of a stream.
    const expiry = setTimeout(() => res.end(), session.expiresAt - Date.now());
    // #endregion
    res.on("close", () => {
      clearTimeout(expiry);
      streams.remove(listener);
    });
  });

  // #region publish-limit
  const rateStore = new MemoryStore();
  const publishLimiter = rateLimit({
    windowMs: options.publishWindowMs,
    limit: options.publishLimit,
    store: rateStore,
    // Per user, not per address: many users share one address behind a NAT or a proxy.
    keyGenerator: (_req, res) => credentialOf(res).session.user,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    handler: (_req, res) => {
      res.status(429).json({ error: "too many publishes: wait for Retry-After seconds" });
    },
  });
  // #endregion
  app.post("/publish", requireJson, signedIn, publishLimiter, json, (req, res) => {
    const { text, to } = (req.body ?? {}) as { text?: unknown; to?: unknown };
    if (typeof text !== "string" || text.trim() === "" || text.length > options.maxTextLength) {
      res.status(400).json({
        error: `send {"text": "…"} (1 to ${options.maxTextLength} characters), optionally "to": "bob"`,
      });
      return;
    }
    if (to !== undefined && (typeof to !== "string" || !userName.test(to))) {
      res.status(400).json({ error: '"to" must be a user name' });
      return;
    }
    const from = credentialOf(res).session.user;
    const delivered = publish(to === undefined ? { from, text } : { from, to, text });
    res.status(202).json({ delivered });
  });

  // Wrong method on a known path: 405 + Allow; unknown path: 404. JSON, not Express's HTML.
  app.use(answerUnroutedRequests(app));

  app.use(
    (
      error: { status?: number; type?: string; message: string },
      _req: express.Request,
      res: express.Response,
      _next: express.NextFunction,
    ) => {
      const status = error.status ?? 500;
      const message =
        error.type === "entity.too.large"
          ? `body too large: at most ${options.maxBodyBytes} bytes`
          : error.type === "entity.parse.failed"
            ? "body is not valid JSON"
            : status === 500
              ? "internal error"
              : error.message;
      res.status(status).json({ error: message });
    },
  );

  return {
    app,
    publish,
    stats: () => ({
      clients: streams.size,
      sessions: sessions.size,
      slowClientsCut: counters.slowClientsCut,
    }),
    stop: () => {
      rateStore.shutdown();
      for (const listener of streams.all()) listener.res.destroy();
    },
  };
}

export async function startServer(overrides: Partial<Options> = {}) {
  const options = { ...defaults, ...overrides };
  const { app, publish, stats, stop } = createApp(options);
  const server: Server = await listen(app, options.port, options.host, 10).catch((error) => {
    stop(); // the rate limiter's timer
    throw error;
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    server,
    stats,
    /** Publish from the server itself (tests use it to send large events). */
    publish,
    close: () =>
      new Promise<void>((resolve, reject) => {
        stop();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

// HOST=127.0.0.1 is what `npm run lab -- 10` gives it, behind the lab's nginx.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url } = await startServer({
    port: Number(process.env.PORT ?? defaults.port),
    host: process.env.HOST ?? defaults.host,
  });
  console.log(`lab10 app on ${url} — POST /login, GET /stream, POST /publish`);
}
