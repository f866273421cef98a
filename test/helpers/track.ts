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

/** Absolute path of a file inside a lab folder of the current track, e.g. labFile("lab03-reconnection", "server.ts"). */
export function labFile(lab: string, ...parts: string[]): string {
  return path.join(repoRoot, track, lab, ...parts);
}
