// The page's copy of the feed, in IndexedDB through `idb` (promises instead of request events).
import { type DBSchema, openDB } from "idb";

export interface NewsItem {
  /** The event's id: the key, so storing an item twice keeps one copy. */
  id: number;
  title: string;
  publishedAt: string;
}

interface NewsDatabase extends DBSchema {
  news: { key: number; value: NewsItem };
}

export async function openNewsStore(maxStored: number, name = "lab08-news") {
  const db = await openDB<NewsDatabase>(name, 1, {
    // Runs once per browser profile (and again only when the version number goes up).
    upgrade(db) {
      db.createObjectStore("news", { keyPath: "id" });
    },
  });

  return {
    /** Every stored item, oldest first: IndexedDB keeps keys in order. */
    all: () => db.getAll("news"),

    // #region largest-id
    /** The newest id we hold (0 for none): where the stream should resume. */
    async largestId(): Promise<number> {
      // A cursor walking the keys backwards: its first stop is the largest key.
      const cursor = await db.transaction("news").store.openKeyCursor(null, "prev");
      return cursor?.key ?? 0;
    },
    // #endregion

    // #region save
    /** Store an item (or overwrite the copy with the same id), then forget the oldest beyond
     * `maxStored`: one transaction, so another tab never sees the store over its cap. */
    async save(item: NewsItem): Promise<void> {
      const tx = db.transaction("news", "readwrite");
      await tx.store.put(item);
      let surplus = (await tx.store.count()) - maxStored;
      let cursor = await tx.store.openCursor();
      while (cursor && surplus > 0) {
        await cursor.delete();
        surplus -= 1;
        cursor = await cursor.continue();
      }
      await tx.done;
    },
    // #endregion

    clear: () => db.clear("news"),
  };
}

export type NewsStore = Awaited<ReturnType<typeof openNewsStore>>;
