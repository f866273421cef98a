// Who is listening: every open stream with the user and session it belongs to.
import type { Response } from "express";

export interface Listener {
  user: string;
  sessionId: string;
  res: Response;
}

export interface Audience {
  /** A private event names its one recipient; a public event has no `to`. */
  to?: string;
}

export class PrivateStreams {
  private readonly byUser = new Map<string, Set<Listener>>();

  add(listener: Listener): void {
    const streams = this.byUser.get(listener.user) ?? new Set<Listener>();
    streams.add(listener);
    this.byUser.set(listener.user, streams);
  }

  remove(listener: Listener): void {
    const streams = this.byUser.get(listener.user);
    streams?.delete(listener);
    // Forget the user once their last stream closes: no entry per user who ever connected.
    if (streams?.size === 0) this.byUser.delete(listener.user);
  }

  countFor(user: string): number {
    return this.byUser.get(user)?.size ?? 0;
  }

  get size(): number {
    let count = 0;
    for (const streams of this.byUser.values()) count += streams.size;
    return count;
  }

  all(): Listener[] {
    return [...this.byUser.values()].flatMap((streams) => [...streams]);
  }

  // #region recipients
  /** The streams an event may go to: everyone's for a public event, only `to`'s for a private one. */
  recipients(event: Audience): Listener[] {
    if (event.to === undefined) return this.all();
    return [...(this.byUser.get(event.to) ?? [])];
  }
  // #endregion

  ofSession(sessionId: string): Listener[] {
    return this.all().filter((listener) => listener.sessionId === sessionId);
  }
}
