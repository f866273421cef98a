import { launchBrowser } from "./test/helpers/chromium.ts";
import { readdirSync } from "node:fs";
const b = await launchBrowser(); const p = await b.newPage({ viewport: { width: 1280, height: 720 } });
for (const f of process.argv.slice(2)) { await p.goto(`file://${process.cwd()}/${f}`); await p.screenshot({ path: `/tmp/shots/${f.split("/").pop()}.png` }); }
await b.close();
