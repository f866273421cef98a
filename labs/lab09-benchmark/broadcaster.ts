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
    // TODO 1: encode the event once, before the loop, into one Buffer (Buffer.from(encodeEvent(event))) and write that same Buffer to every client.
    for (const client of this.#clients) this.#send(client, Buffer.from(encodeEvent(event)));
    return this.#clients.size;
  }
  // #endregion

  // #region send
  #send(client: BroadcastClient, bytes: Buffer) {
    // write() never blocks: when the socket is slow, Node keeps the bytes in memory and
    // returns false. Waiting for 'drain' here would let one slow reader delay everyone,
    // so keep writing, and cut the client whose backlog passes the cap.
    client.write(bytes);
    // TODO 2: if client.writableLength is now over this.#options.maxBufferedBytes, add 1 to this.#slowClientsCut, log one line with this.#options.log and client.destroy().
  }
  // #endregion

  // #region heartbeat
  add(client: BroadcastClient) {
    this.#clients.add(client);
    // TODO 3: one timer per client costs 5000 timers for 5000 clients. Replace it with one
    // shared this.#heartbeatTimer, started here if none runs, that sends `heartbeat` to every
    // client, and stopped (this.#stopHeartbeat()) in #remove when the last client has left.
    const timer =
      this.#options.heartbeatMs > 0
        ? setInterval(() => this.#send(client, heartbeat), this.#options.heartbeatMs)
        : undefined;
    client.once("close", () => {
      clearInterval(timer);
      this.#remove(client);
    });
  }

  #remove(client: BroadcastClient) {
    this.#clients.delete(client);
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
