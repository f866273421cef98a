import path from "node:path";
import { currentTrack, currentTrackDir, type Track } from "../../tools/curriculum.ts";

export { repoRoot, type Track } from "../../tools/curriculum.ts";

/**
 * Which copy of the labs the tests check.
 * Students run `npm test -- lab03` against their own code in labs/;
 * maintainers run `npm run test:solutions -- lab03` against solutions/.
 */
export const track: Track = currentTrack();

const trackDir = currentTrackDir();

/** Absolute path of a file inside a lab folder of the current track, e.g. labFile("lab03-reconnection", "server.ts"). */
export function labFile(lab: string, ...parts: string[]): string {
  return path.join(trackDir, lab, ...parts);
}
