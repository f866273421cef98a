// One event to many streams, the way a busy server has to do it: encode once, never wait
// for one slow reader, never hold more than a bounded amount for anyone.
import { encodeComment, encodeEvent, type ServerSentEvent } from "./encode-event.ts";

/** What the broadcaster needs from a stream: Express's `res` has all of it, so has any Writable. */
export interface BroadcastClient {
  write(chunk: Buffer): boolean;
  /** Bytes accepted by write() that have not reached the socket yet. */
  readonly writableLength: number;
  destroy(): void;
  once(event: "close", listener: () => void): unknown;
}

export interface BroadcasterOptions {
  /** Most bytes one client may have waiting; a client over it is cut (it can reconnect). */
  maxBufferedBytes: number;
  /** Milliseconds between two `: ping` comments while anyone listens; 0 sends none. */
  heartbeatMs: number;
  log?: (line: string) => void;
}

const heartbeat = Buffer.from(encodeComment("ping"));

export class Broadcaster {
  readonly #clients = new Set<BroadcastClient>();
  readonly #options: BroadcasterOptions;
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #broadcasts = 0;
  #slowClientsCut = 0;

  constructor(options: BroadcasterOptions) {
    this.#options = options;
  }

  // #region broadcast
  /** Send one event to every client; returns how many had it written. */
  broadcast(event: ServerSentEvent): number {
    this.#broadcasts += 1;
    // Encode once: one Buffer for every client. Encoding inside the loop would turn the
    // same string into bytes once per client — 5000 clients, 5000 copies.
    const bytes = Buffer.from(encodeEvent(event));
    for (const client of this.#clients) this.#send(client, bytes);
    return this.#clients.size;
  }
  // #endregion

  // #region send
  #send(client: BroadcastClient, bytes: Buffer) {
    // write() never blocks: when the socket is slow, Node keeps the bytes in memory and
    // returns false. Waiting for 'drain' here would let one slow reader delay everyone,
    // so keep writing, and cut the client whose backlog passes the cap.
    client.write(bytes);
    if (client.writableLength > this.#options.maxBufferedBytes) {
      this.#slowClientsCut += 1;
      const waiting = client.writableLength;
      this.#options.log?.(`cut a client that stopped reading: ${waiting} bytes waiting`);
      client.destroy();
    }
  }
  // #endregion

  // #region heartbeat
  add(client: BroadcastClient) {
    this.#clients.add(client);
    client.once("close", () => this.#remove(client));
    this.#startHeartbeat();
  }

  // One timer for all clients, not one per client: 5000 streams need 1 timer, not 5000.
  #startHeartbeat() {
    if (this.#heartbeatTimer || this.#options.heartbeatMs <= 0) return;
    this.#heartbeatTimer = setInterval(() => {
      for (const client of this.#clients) this.#send(client, heartbeat);
    }, this.#options.heartbeatMs);
  }

  #remove(client: BroadcastClient) {
    this.#clients.delete(client);
    if (this.#clients.size === 0) this.#stopHeartbeat();
  }
  // #endregion

  #stopHeartbeat() {
    clearInterval(this.#heartbeatTimer);
    this.#heartbeatTimer = undefined;
  }

  stats() {
    let bufferedBytes = 0;
    for (const client of this.#clients) bufferedBytes += client.writableLength;
    return {
      clients: this.#clients.size,
      broadcasts: this.#broadcasts,
      slowClientsCut: this.#slowClientsCut,
      /** Bytes written to clients that have not reached their sockets yet: server memory at risk. */
      bufferedBytes,
    };
  }

  /** Stop the heartbeat and end every stream (for shutdown). */
  close() {
    this.#stopHeartbeat();
    for (const client of this.#clients) client.destroy();
  }
}
