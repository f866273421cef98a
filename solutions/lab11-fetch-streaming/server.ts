// Lab 11 — streaming a response to a request: POST /chat answers with an event stream,
// the way chat and AI APIs do. EventSource cannot send a POST; the client reads it with fetch.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import cors from "cors";
import express from "express";
import { encodeEvent } from "./encode-event.ts";
import { answerUnroutedRequests, listen, requireJson } from "./http-errors.ts";
import { answerTokens, type ChatRequest, generateAnswer } from "./simulated-model.ts";

export interface Options {
  port: number;
  host: string;
  corsOrigins: string[];
  /** Largest request body accepted, in bytes; a bigger one gets 413. */
  maxBodyBytes: number;
  maxPromptLength: number;
  /** The most tokens one answer may have; a request's maxTokens must not exceed it. */
  maxTokensLimit: number;
  /** Milliseconds between two tokens: how fast the simulated model "thinks". */
  tokenIntervalMs: number;
  /** A client that falls this far behind (bytes queued in Node) is cut off. */
  maxBufferedBytes: number;
  /** Send `X-Accel-Buffering: no`. Only the proxy demo turns it off, to test nginx's config alone. */
  noBufferingHeader: boolean;
}

export const defaults: Options = {
  port: 8080,
  host: "localhost",
  corsOrigins: ["http://localhost:5173", "http://127.0.0.1:5173"],
  maxBodyBytes: 4 * 1024,
  maxPromptLength: 1000,
  maxTokensLimit: 500,
  tokenIntervalMs: 80,
  maxBufferedBytes: 256 * 1024,
  noBufferingHeader: true,
};

/** Check the JSON body before anything is streamed: a bad request still gets a real 400. */
export function parseChatRequest(
  body: unknown,
  options: Options,
): { request: ChatRequest } | { error: string } {
  const { prompt, maxTokens = 100, failAfterTokens } = (body ?? {}) as Record<string, unknown>;
  if (typeof prompt !== "string" || prompt.trim() === "")
    return { error: 'send JSON like {"prompt": "Why is the sky blue?"}: prompt must be a string' };
  if (prompt.length > options.maxPromptLength)
    return { error: `prompt must be at most ${options.maxPromptLength} characters` };
  const whole = (value: unknown, min: number) =>
    typeof value === "number" && Number.isInteger(value) && value >= min;
  if (!whole(maxTokens, 1) || (maxTokens as number) > options.maxTokensLimit)
    return { error: `maxTokens must be a whole number from 1 to ${options.maxTokensLimit}` };
  if (failAfterTokens !== undefined && !whole(failAfterTokens, 0))
    return { error: "failAfterTokens must be a whole number (0 or more)" };
  return {
    request: {
      prompt,
      maxTokens: maxTokens as number,
      failAfterTokens: failAfterTokens as number | undefined,
    },
  };
}

export function createApp(options: Options) {
  const app = express();
  const generations = new Set<AbortController>();
  const counts = {
    tokensGenerated: 0,
    completed: 0,
    failed: 0,
    abortedByClient: 0,
    slowClientsCut: 0,
  };

  /** Write to one client, and cut it if it has stopped reading (as in labs 02–07). */
  function writeOrCut(res: express.Response, frame: string) {
    if (res.destroyed) return;
    res.write(frame);
    if (res.writableLength > options.maxBufferedBytes) {
      counts.slowClientsCut += 1;
      console.warn(`cut a client that stopped reading (${res.writableLength} bytes unread)`);
      res.destroy(); // its "close" aborts the generation: nobody reads those tokens any more
    }
  }

  async function streamAnswer(
    res: express.Response,
    request: ChatRequest,
    generation: AbortController,
  ) {
    const { signal } = generation;
    const started = performance.now();
    let tokens = 0;
    generations.add(generation);
    try {
      // #region stream-tokens
      for await (const text of generateAnswer(request, {
        intervalMs: options.tokenIntervalMs,
        signal,
      })) {
        counts.tokensGenerated += 1;
        writeOrCut(
          res,
          encodeEvent({ event: "token", data: JSON.stringify({ index: tokens, text }) }),
        );
        tokens += 1;
      }
      const finishReason = tokens < answerTokens(request.prompt).length ? "max_tokens" : "end";
      const ms = Math.round(performance.now() - started);
      writeOrCut(
        res,
        encodeEvent({ event: "done", data: JSON.stringify({ tokens, finishReason, ms }) }),
      );
      counts.completed += 1;
      // #endregion
    } catch (error) {
      // The client left and the generation was aborted: there is nobody to tell.
      if (signal.aborted) {
        console.log(`lab11: generation stopped after ${tokens} tokens: the client left`);
        return;
      }
      counts.failed += 1;
      console.warn(`lab11: generation failed after ${tokens} tokens: ${error}`);
      // #region error-event
      // `200 OK` and the headers left with the first bytes: res.status(500) is too late now.
      // The only way left to say "this failed" is an event the client understands.
      const message = error instanceof Error ? error.message : "generation failed";
      writeOrCut(res, encodeEvent({ event: "error", data: JSON.stringify({ message, tokens }) }));
      // #endregion
    } finally {
      generations.delete(generation);
      res.end();
    }
  }

  app.use(
    cors({
      origin: options.corsOrigins,
      // A JSON POST from another origin is preflighted: Content-Type must be allowed.
      allowedHeaders: ["Content-Type"],
    }),
  );

  // Only a JSON body is accepted (requireJson, http-errors.ts). A foreign page cannot send this
  // type without a CORS preflight (which the allowlist refuses), so no other site can start
  // answers for a user.
  app.post("/chat", requireJson, express.json({ limit: options.maxBodyBytes }), (req, res) => {
    const parsed = parseChatRequest(req.body, options);
    if ("error" in parsed) {
      res.status(400).json({ error: parsed.error });
      return;
    }
    // From here on the answer is a stream: 200 and these headers go out now, for good.
    res.setHeader("Content-Type", "text/event-stream");
    res.setHeader("Cache-Control", "no-cache");
    if (options.noBufferingHeader) res.setHeader("X-Accel-Buffering", "no");
    res.flushHeaders();

    const generation = new AbortController();
    // #region stop-on-close
    // `res` closes when the answer ended or the client went away (Stop, tab closed, network).
    // If the answer had not ended, stop generating: nobody reads the tokens any more.
    // (Not req.on("close"): for a POST it fires as soon as the body has been read.)
    res.on("close", () => {
      if (!res.writableFinished) {
        counts.abortedByClient += 1;
        generation.abort();
      }
    });
    // #endregion
    void streamAnswer(res, parsed.request, generation);
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
    stats: () => ({ generating: generations.size, ...counts }),
    /** Stop every generation still running (the server is shutting down). */
    stop: () => {
      for (const generation of generations) generation.abort();
    },
  };
}

export async function startServer(overrides: Partial<Options> = {}) {
  const options = { ...defaults, ...overrides };
  const { app, stats, stop } = createApp(options);
  const server: Server = await listen(app, options.port, options.host, 11);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    server,
    stats,
    close: () =>
      new Promise<void>((resolve, reject) => {
        stop();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

// HOST=0.0.0.0 lets nginx in another container reach the app; NO_BUFFERING_HEADER=0 leaves
// X-Accel-Buffering out, to see what nginx's config alone does.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url } = await startServer({
    port: Number(process.env.PORT ?? defaults.port),
    host: process.env.HOST ?? defaults.host,
    noBufferingHeader: process.env.NO_BUFFERING_HEADER !== "0",
  }).catch((error: Error) => {
    console.error(error.message); // "port 8080 is in use — …": the message is the help
    process.exit(1);
  });
  console.log(`lab11 chat on ${url}/chat — try:`);
  console.log(`  curl -N -H 'Content-Type: application/json' -d '{"prompt":"hi"}' ${url}/chat`);
}
