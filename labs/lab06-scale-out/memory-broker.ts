// The in-memory broker: what labs 01–05 did (lab 03's EventHistory), behind the Broker
// interface. Enough for one instance; with two, each has its own history and subscribers.
import type { Broker, BrokerEvent, NewEvent, Resume } from "./broker.ts";
import { EventHistory, type StoredEvent } from "./event-history.ts";

export function createMemoryBroker(options: { historySize: number }): Broker {
  const history = new EventHistory(options.historySize);
  const listeners = new Set<(event: BrokerEvent) => void>();
  const toBrokerEvent = (stored: StoredEvent): BrokerEvent => ({
    ...stored,
    id: String(stored.id),
  });

  return {
    async publish(event: NewEvent) {
      const stored = toBrokerEvent(history.add(event));
      for (const listener of listeners) listener(stored);
      return stored.id;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async replayAfter(lastEventId: string): Promise<Resume> {
      const resume = history.resumeAfter(lastEventId);
      if (resume.kind === "fresh") return { kind: "replay", events: [] };
      return { ...resume, events: resume.events.map(toBrokerEvent) };
    },
    async close() {
      listeners.clear();
    },
  };
}
