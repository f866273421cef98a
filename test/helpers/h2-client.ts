import http2 from "node:http2";
import { onCleanup } from "./cleanup.ts";

export interface H2Response {
  /** The `:status` pseudo-header. */
  status: number;
  headers: http2.IncomingHttpHeaders;
  /** Milliseconds from request to response headers. */
  headersAt: number;
  chunks: { at: number; text: string }[];
  text: string;
  /** Set when the stream was reset after its headers came (e.g. NGHTTP2_PROTOCOL_ERROR). */
  error?: Error;
}

/**
 * Open an HTTP/2 session with node:http2, as a browser would over TLS (ALPN "h2"), accepting
 * a self-signed certificate. Rejects when TLS or h2 cannot be agreed. Closed after the test.
 */
export function connectH2(origin: string, timeoutMs = 2000): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(origin, { rejectUnauthorized: false });
    onCleanup(() => session.destroy());
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error(`no HTTP/2 session with ${origin} within ${timeoutMs} ms`));
    }, timeoutMs);
    session.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    session.once("connect", () => {
      clearTimeout(timer);
      // Later session errors reach the streams that fail; do not crash the test run.
      session.on("error", () => {});
      resolve(session);
    });
  });
}

/**
 * One request on an open session, read like readRawStream reads HTTP/1.1: stops when
 * `until(text)` holds, when the stream ends or is reset, or at the deadline (then it returns
 * what arrived). Rejects if no response headers came (reset before them, or the deadline).
 */
export function requestH2(
  session: http2.ClientHttp2Session,
  path: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    until?: (text: string) => boolean;
    timeoutMs?: number;
  } = {},
): Promise<H2Response> {
  const started = performance.now();
  const timeoutMs = options.timeoutMs ?? 2000;
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ":method": options.method ?? "GET",
      ":path": path,
      ...options.headers,
    });
    let result: H2Response | undefined;
    const decoder = new TextDecoder();
    const finish = (error?: Error) => {
      clearTimeout(timer);
      if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
      if (result) resolve({ ...result, text: result.text + decoder.decode(), error });
      else reject(error ?? new Error(`no response headers for ${path} within ${timeoutMs} ms`));
    };
    const timer = setTimeout(() => finish(), timeoutMs);
    stream.on("response", (headers) => {
      result = {
        status: Number(headers[":status"]),
        headers,
        headersAt: performance.now() - started,
        chunks: [],
        text: "",
      };
      if (options.until?.("")) finish();
    });
    stream.on("data", (bytes: Buffer) => {
      if (!result) return;
      const text = decoder.decode(bytes, { stream: true });
      result.chunks.push({ at: performance.now() - started, text });
      result.text += text;
      if (options.until?.(result.text)) finish();
    });
    stream.on("end", () => finish());
    stream.on("error", (error) => finish(error));
    stream.end();
  });
}
