import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Which copy of the labs the tests check.
 * Students run `npm test -- lab03` against their own code in labs/;
 * maintainers run `npm run test:solutions -- lab03` against solutions/.
 */
export type Track = "labs" | "solutions";

export const track: Track = process.env.WORKSHOP_TRACK === "solutions" ? "solutions" : "labs";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * The folder of the track. The tests of the student loop itself point it at a throwaway copy
 * inside the repository (so its imports still find node_modules): WORKSHOP_TRACK_DIR.
 */
const trackDir = process.env.WORKSHOP_TRACK_DIR ?? path.join(repoRoot, track);

/** Absolute path of a file inside a lab folder of the current track, e.g. labFile("lab03-reconnection", "server.ts"). */
export function labFile(lab: string, ...parts: string[]): string {
  return path.join(trackDir, lab, ...parts);
}
