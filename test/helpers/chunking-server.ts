import http from "node:http";
import type { AddressInfo } from "node:net";
import { onCleanup } from "./cleanup.ts";
import { delay } from "./wait-for.ts";

export interface ChunkingServer {
  url: string;
  /** How many requests (not preflights) it has answered. */
  requests(): number;
}

/**
 * A server that answers every request with `200 text/event-stream` written in exactly the
 * given pieces, each its own network chunk: Nagle off (`setNoDelay`), one write per piece,
 * and before every piece after the first `before(index)` — by default a pause of `gapMs`.
 * Pass a `before` that waits until the client has *received* piece index-1, and no two
 * pieces can arrive together, however busy the machine. Cut a piece anywhere, even inside
 * a UTF-8 character (give Uint8Arrays). Allows any origin, preflights included (CORS).
 */
export async function startChunkingServer(
  pieces: (string | Uint8Array)[],
  options: { gapMs?: number; before?: (index: number) => Promise<void> } = {},
): Promise<ChunkingServer> {
  const before = options.before ?? (() => delay(options.gapMs ?? 30));
  let requests = 0;
  const server = http.createServer(async (req, res) => {
    res.setHeader("Access-Control-Allow-Origin", "*");
    if (req.method === "OPTIONS") {
      res.writeHead(204, {
        "Access-Control-Allow-Methods": "GET, POST",
        "Access-Control-Allow-Headers": "Content-Type, Last-Event-ID",
      });
      res.end();
      return;
    }
    requests += 1;
    req.resume();
    res.socket?.setNoDelay(true);
    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
    for (const [index, piece] of pieces.entries()) {
      // A client that stopped reading (a test that failed) ends the answer, nothing more.
      const ready =
        index === 0 ||
        (await before(index).then(
          () => true,
          () => false,
        ));
      if (!ready) res.destroy();
      if (res.destroyed) return;
      res.write(piece);
    }
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests: () => requests };
}
