import http from "node:http";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { onCleanup } from "./cleanup.ts";

export interface RawChunk {
  /** Milliseconds since the request was sent. */
  at: number;
  text: string;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Milliseconds from request to response headers. */
  headersAt: number;
  /** Every chunk as it arrived off the socket, decoded as UTF-8. */
  chunks: RawChunk[];
  text: string;
}

/**
 * Read a response's raw bytes, as `curl -N` would show them, without any SSE client in
 * between. Stops when `until(text)` holds, when the server ends the response, or at the
 * deadline (then it returns what arrived; the caller asserts on it).
 * `quietMs`: also stop once the headers are in and then nothing has arrived for that long —
 * for what a server writes all at once on connect (a replay): when it is silent, it is done,
 * and a missing replay fails in a fraction of the deadline.
 */
export function readRawStream(
  url: string,
  options: {
    headers?: Record<string, string>;
    until?: (text: string) => boolean;
    timeoutMs?: number;
    quietMs?: number;
    method?: string;
  } = {},
): Promise<RawResponse> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      method: options.method ?? "GET",
      headers: options.headers,
    });
    let quiet: NodeJS.Timeout | undefined;
    const finish = (response: RawResponse) => {
      clearTimeout(timer);
      clearTimeout(quiet);
      request.destroy();
      resolve(response);
    };
    let result: RawResponse | undefined;
    const timer = setTimeout(() => {
      if (result) finish(result);
      else {
        request.destroy();
        reject(new Error(`no response headers from ${url} within ${options.timeoutMs ?? 2000} ms`));
      }
    }, options.timeoutMs ?? 2000);
    request.on("response", (response) => {
      const decoder = new TextDecoder();
      const current: RawResponse = {
        status: response.statusCode ?? 0,
        headers: response.headers,
        headersAt: performance.now() - started,
        chunks: [],
        text: "",
      };
      result = current;
      const done = () => finish({ ...current, text: current.text + decoder.decode() });
      const restartQuiet = () => {
        if (options.quietMs === undefined) return;
        clearTimeout(quiet);
        quiet = setTimeout(done, options.quietMs);
      };
      restartQuiet();
      response.on("data", (bytes: Buffer) => {
        restartQuiet();
        const text = decoder.decode(bytes, { stream: true });
        current.chunks.push({ at: performance.now() - started, text });
        current.text += text;
        if (options.until?.(current.text)) done();
      });
      response.on("end", done);
      if (options.until?.("")) done();
    });
    request.on("error", (error) => {
      if (!result) {
        clearTimeout(timer);
        reject(error);
      }
    });
    request.end();
    onCleanup(() => request.destroy());
  });
}

export interface ParsedStream {
  events: EventSourceMessage[];
  comments: string[];
  retries: number[];
}

/** Parse text with eventsource-parser, an implementation independent of the server under test. */
export function parseEventStream(text: string): ParsedStream {
  const parsed: ParsedStream = { events: [], comments: [], retries: [] };
  const parser = createParser({
    onEvent: (event) => parsed.events.push(event),
    onComment: (comment) => parsed.comments.push(comment),
    onRetry: (retry) => parsed.retries.push(retry),
  });
  parser.feed(text);
  return parsed;
}
