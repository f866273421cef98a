// Server-side sessions: the cookie holds only a random id; who you are lives here,
// so a session can be revoked (logout) and expires on the server's clock.
import { randomBytes } from "node:crypto";

export interface Session {
  id: string;
  user: string;
  expiresAt: number;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly ttlMs: number) {}

  create(user: string): Session {
    this.forgetExpired();
    // 144 random bits: a session id must not be guessable.
    const session = {
      id: randomBytes(18).toString("base64url"),
      user,
      expiresAt: Date.now() + this.ttlMs,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id; an expired one is gone. */
  get(id: string | undefined): Session | undefined {
    const session = id === undefined ? undefined : this.sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= Date.now()) {
      this.sessions.delete(session.id);
      return undefined;
    }
    return session;
  }

  revoke(id: string): boolean {
    return this.sessions.delete(id);
  }

  get size(): number {
    this.forgetExpired();
    return this.sessions.size;
  }

  private forgetExpired() {
    const now = Date.now();
    for (const [id, session] of this.sessions)
      if (session.expiresAt <= now) this.sessions.delete(id);
  }
}
