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
    const held = [...this.events];
    if (!wellFormedId.test(lastEventId))
      return { kind: "reset", reason: "malformed id", events: held };
    const id = Number(lastEventId);
    // An id we never gave out: the server restarted (ids began again) or the client is confused.
    if (id > this.lastId) return { kind: "reset", reason: "unknown id", events: held };
    // Events after `id` were dropped from the history: replaying the rest would hide a gap.
    const oldest = this.events[0]?.id ?? this.lastId + 1;
    if (id < oldest - 1) return { kind: "reset", reason: "too old", events: held };
    return { kind: "replay", events: this.events.filter((event) => event.id > id) };
  }
  // #endregion
}
