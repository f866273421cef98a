// The last N events, so a client that reconnects can get what it missed.

export interface StoredEvent {
  id: number;
  event?: string;
  data: string;
}

/** What to send a client that (re)connects, given the Last-Event-ID it sent. */
export type Resume =
  | { kind: "fresh" }
  | { kind: "replay"; events: StoredEvent[] }
  | { kind: "reset"; reason: string; events: StoredEvent[] };

// Ids are whole numbers written in decimal. Anything else was not sent by this server.
const wellFormedId = /^\d{1,15}$/;

export class EventHistory {
  private readonly events: StoredEvent[] = [];
  private lastId = 0;

  constructor(private readonly limit: number) {}

  /** Give the event the next id and keep it, forgetting the oldest beyond the limit. */
  add(event: { event?: string; data: string }): StoredEvent {
    this.lastId += 1;
    const stored = { id: this.lastId, ...event };
    this.events.push(stored);
    if (this.events.length > this.limit) this.events.shift();
    return stored;
  }

  // #region replay
  resumeAfter(lastEventId: string | undefined): Resume {
    if (lastEventId === undefined || lastEventId === "") return { kind: "fresh" };
    // TODO 3: the client saw everything up to `lastEventId`: return
    // { kind: "replay", events } with the held events whose id is greater, oldest first.

    // TODO 4: some ids cannot be resumed from: check for them first, above TODO 3's return.
    // Return { kind: "reset", reason, events: [...this.events] }:
    //   - reason "malformed id" if it is not a whole number (test it with `wellFormedId`);
    //   - reason "unknown id" if it is greater than this.lastId (we never gave it out);
    //   - reason "too old" if events after it were already dropped (it is below the oldest held id - 1).
    void wellFormedId;
    return { kind: "fresh" };
  }
  // #endregion
}
