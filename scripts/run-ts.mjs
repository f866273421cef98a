// node scripts/run-ts.mjs scripts/test.ts lab03: run one of the repo's TypeScript scripts.
//
// Why not `node --import tsx scripts/test.ts`: tsx's loader hooks see every module loaded
// after them, and vitest/node is a few hundred modules. Loaded natively first it takes
// 0.4 s; through the hooks 1.4 s, a second of every `npm test -- labNN`. So vitest is loaded
// here, then tsx is registered for the repo's own .ts files. (Node 22.18+ strips types by
// itself; this repo still supports Node 20, which does not.)
import path from "node:path";
import { pathToFileURL } from "node:url";

await import("vitest/node");
const { register } = await import("tsx/esm/api");
register();
const script = process.argv[2];
if (!script) {
  console.error("usage: node scripts/run-ts.mjs <script.ts> [args…]");
  process.exit(2);
}
// The script reads its own arguments from process.argv.slice(2), as if started directly.
process.argv.splice(1, 2, path.resolve(script));
await import(pathToFileURL(path.resolve(script)).href);
