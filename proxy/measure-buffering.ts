// Which nginx directive makes an event stream flow, measured on the nginx you have.
//   node --import tsx proxy/measure-buffering.ts
// Two apps without X-Accel-Buffering: Node's own framing (chunked when asked in HTTP/1.1, a
// body that runs until the connection closes when asked in HTTP/1.0) and one that never
// chunks. Four location blocks: nginx's defaults, TODO 3 alone, TODO 2 alone, both.
// Prints when the first event arrived and how many events that first chunk carried.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { startProxyUnawareApp } from "../test/fixtures/proxy-unaware-app.ts";
import { launchNginx } from "../tools/nginx-process.ts";

/** Events in a piece of an event stream (enough for ticks: each ends with a blank line). */
const countEvents = (text: string) =>
  text.split("\n\n").filter((part) => /^data:/m.test(part)).length;

/** GET url until 5 events or 4 s; when the headers came, and the first chunk holding an event. */
function readFirstEvents(url: string) {
  const started = performance.now();
  return new Promise<{ headersAt: number; firstAt?: number; firstEvents: number }>((resolve) => {
    const result: { headersAt: number; firstAt?: number; firstEvents: number } = {
      headersAt: Number.NaN,
      firstEvents: 0,
    };
    let total = 0;
    const request = http.get(url, (response) => {
      result.headersAt = performance.now() - started;
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        const events = countEvents(chunk);
        if (events > 0 && result.firstAt === undefined) {
          result.firstAt = performance.now() - started;
          result.firstEvents = events;
        }
        total += events;
        if (total >= 5) done();
      });
    });
    const done = () => {
      clearTimeout(timer);
      request.destroy();
      resolve(result);
    };
    const timer = setTimeout(done, 4000);
    request.on("error", () => {});
  });
}

const locations = {
  "defaults (HTTP/1.0 upstream, buffering on)": "",
  'proxy_http_version 1.1 + Connection "" (TODO 3)':
    'proxy_http_version 1.1; proxy_set_header Connection "";',
  "proxy_buffering off (TODO 2)": "proxy_buffering off;",
  "both (the lab's config)":
    'proxy_buffering off; proxy_http_version 1.1; proxy_set_header Connection "";',
};
const intervalMs = Number(process.env.INTERVAL_MS ?? 10);
const dir = mkdtempSync(path.join(tmpdir(), "measure-buffering-"));

console.log(`nginx buffering, a tick every ${intervalMs} ms, no X-Accel-Buffering:\n`);
console.log("| app framing | location /stream | headers | first event | events in that chunk |");
console.log("| --- | --- | --- | --- | --- |");
for (const framing of ["node", "close"] as const) {
  for (const [name, directives] of Object.entries(locations)) {
    const template = path.join(dir, "stream.conf.template");
    writeFileSync(
      template,
      `server {\n  listen \${NGINX_PORT};\n  location /stream {\n    proxy_pass http://\${APP_UPSTREAM};\n    ${directives}\n  }\n}\n`,
    );
    const app = await startProxyUnawareApp({ intervalMs, framing });
    const nginx = await launchNginx(template, { APP_UPSTREAM: app.url.replace("http://", "") });
    try {
      const { headersAt, firstAt, firstEvents } = await readFirstEvents(`${nginx.url}/stream`);
      console.log(
        `| ${framing === "node" ? "Node's own" : "never chunked"} | ${name} | ${Math.round(headersAt)} ms | ${firstAt === undefined ? "none in 4 s" : `${Math.round(firstAt)} ms`} | ${firstEvents} |`,
      );
    } finally {
      await nginx.stop();
      await app.close();
    }
  }
}
rmSync(dir, { recursive: true, force: true });
