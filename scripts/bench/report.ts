// Turn results.json into what a class reads: a Markdown table and three SVG bar charts.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { ConfigResult, PausedResult } from "./run.ts";

interface Results {
  date: string;
  command: string;
  machine: string;
  node: string;
  pinned: string;
  seconds: number;
  configs: ConfigResult[];
  paused: PausedResult[];
}

const colors: Record<string, string> = {
  "lab09-express": "#1b6ac9",
  "raw-http": "#5a9bd8",
  "better-sse": "#b9770e",
  ws: "#3a7d44",
};

const kb = (bytes: number) => (bytes / 1024).toFixed(1);
const ms = (value: number) => value.toFixed(1);
const thousands = (value: number) => `${(value / 1000).toFixed(1)}k`;

interface Bar {
  name: string;
  value: number;
  label: string;
}

/**
 * Grouped horizontal bars, one row per contender, with text big enough for the back row of a
 * classroom (30 px and up on a 1280×720 slide). No title inside: the slide's heading is it.
 */
function barChart(options: { title: string; groups: { label: string; bars: Bar[] }[] }) {
  const width = 1280;
  const rows = options.groups.reduce((sum, group) => sum + group.bars.length + 1, 0);
  const rowHeight = Math.min(64, Math.floor(700 / rows));
  const height = rows * rowHeight + 20;
  const nameWidth = 250;
  const labelWidth = 170;
  const barArea = width - nameWidth - labelWidth - 40;
  const max = Math.max(
    1e-9,
    ...options.groups.flatMap((group) => group.bars.map((bar) => bar.value)),
  );
  const parts: string[] = [];
  let y = 10;
  for (const group of options.groups) {
    parts.push(
      `<text x="20" y="${y + rowHeight * 0.72}" font-size="32" font-weight="bold">${group.label}</text>`,
    );
    y += rowHeight;
    for (const bar of group.bars) {
      const w = Math.max(2, (bar.value / max) * barArea);
      const middle = y + rowHeight * 0.7;
      parts.push(
        `<text x="${nameWidth}" y="${middle}" font-size="30" text-anchor="end">${bar.name}</text>`,
        `<rect x="${nameWidth + 16}" y="${y + rowHeight * 0.15}" width="${w.toFixed(1)}" height="${(rowHeight * 0.7).toFixed(1)}" fill="${colors[bar.name] ?? "#888"}"/>`,
        `<text x="${(nameWidth + 28 + w).toFixed(1)}" y="${middle}" font-size="30">${bar.label}</text>`,
      );
      y += rowHeight;
    }
  }
  // <title> is for screen readers only: never drawn, so it does not repeat the slide's heading.
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" font-family="system-ui, sans-serif">\n<title>${options.title}</title>\n<rect width="${width}" height="${height}" fill="#fff"/>\n${parts.join("\n")}\n</svg>\n`;
}

function find(results: Results, contender: string, clients: number, payloadBytes: number) {
  return results.configs.find(
    (config) =>
      config.contender === contender &&
      config.clients === clients &&
      config.payloadBytes === payloadBytes,
  );
}

/** The targets for the lab 09 solution, checked against this run. */
function targets(results: Results): string[] {
  const lines: string[] = [];
  const payload = Math.min(...results.configs.map((config) => config.payloadBytes));
  const counts = [...new Set(results.configs.map((config) => config.clients))].filter(
    (n) => n >= 1000,
  );
  for (const clients of counts) {
    const lab = find(results, "lab09-express", clients, payload);
    if (!lab) continue;
    for (const other of ["ws", "better-sse"]) {
      const them = find(results, other, clients, payload);
      if (!them) continue;
      const ratio = lab.burst.deliveredPerSecond / them.burst.deliveredPerSecond;
      const bound =
        lab.burst.generatorBound || them.burst.generatorBound
          ? " — generator-bound: a floor, not a verdict"
          : "";
      lines.push(
        `- delivered/s at N=${clients}: lab09 ${ratio >= 1 ? "≥" : "<"} ${other} (${ratio.toFixed(2)}×)${bound}`,
      );
    }
    const ws = find(results, "ws", clients, payload);
    if (ws) {
      lines.push(
        `- p99 latency at N=${clients}: lab09 ${ms(lab.paced.load.latency.p99)} ms vs ws ${ms(ws.paced.load.latency.p99)} ms (${lab.paced.load.latency.p99 <= ws.paced.load.latency.p99 ? "met" : "missed"})`,
        `- RSS per idle connection at N=${clients}: lab09 ${kb(lab.memory.rssPerConnection)} KB vs ws ${kb(ws.memory.rssPerConnection)} KB (${(lab.memory.rssPerConnection / ws.memory.rssPerConnection).toFixed(2)}×; target ≤ 1.5×)`,
        `- heap per idle connection at N=${clients}: lab09 ${kb(lab.memory.heapPerConnection)} KB vs ws ${kb(ws.memory.heapPerConnection)} KB (${(lab.memory.heapPerConnection / ws.memory.heapPerConnection).toFixed(2)}×; target ≤ 1.5×)`,
      );
    }
  }
  const paused = results.paused.find((run) => run.contender === "lab09-express");
  if (paused)
    lines.push(
      `- a paused client: lab09 held at most ${kb(paused.maxBufferedBytes)} KB for it (cap 1024 KB in the benchmark)`,
    );
  return lines;
}

export function writeReport(results: Results, out: string) {
  const rows = results.configs.map((config) =>
    [
      config.contender,
      config.clients,
      config.payloadBytes,
      `${thousands(config.burst.deliveredPerSecond)}${config.burst.generatorBound ? " (gen-bound)" : ""}`,
      ms(config.paced.load.latency.p50),
      ms(config.paced.load.latency.p99),
      ms(config.paced.load.latency.max),
      ms(config.paced.load.lastReceiver.p99),
      config.burst.cpuMicrosPerDelivery.toFixed(2),
      ms(config.paced.server.eventLoopDelayP99Ms),
      kb(config.memory.rssPerConnection),
      kb(config.memory.heapPerConnection),
      config.valid ? "yes" : `NO: ${config.problems.join("; ")}`,
    ].join(" | "),
  );
  const markdown = [
    `Run ${results.date} · \`${results.command}\` · ${results.seconds} s`,
    `Machine: ${results.machine} · Node ${results.node} · ${results.pinned}`,
    "",
    "| contender | clients | payload B | delivered/s (burst) | p50 ms | p99 ms | max ms | last receiver p99 ms | server CPU µs/delivery | event-loop delay p99 ms | RSS/conn KB | heap/conn KB | valid |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ...rows.map((row) => `| ${row} |`),
    "",
    "A paused client (never reads) while 10 others read:",
    "",
    "| contender | MB broadcast | most bytes held for it | server RSS growth | the 10 others got everything |",
    "| --- | ---: | ---: | ---: | --- |",
    ...results.paused.map(
      (run) =>
        `| ${run.contender} | ${run.megabytesSent} | ${kb(run.maxBufferedBytes)} KB | ${kb(run.rssGrowth)} KB | ${run.othersComplete ? "yes" : "NO"} |`,
    ),
    "",
    "Targets for the lab 09 solution (from the issue), in this run:",
    "",
    ...targets(results),
    "",
  ].join("\n");

  const payload = Math.min(...results.configs.map((config) => config.payloadBytes));
  const counts = [...new Set(results.configs.map((config) => config.clients))];
  const contenders = [...new Set(results.configs.map((config) => config.contender))];
  const grouped = (
    pick: (config: ConfigResult) => number,
    label: (value: number) => string,
    floor: (config: ConfigResult) => boolean = () => false,
  ) =>
    counts.map((clients) => ({
      label: `${clients} clients`,
      bars: contenders.flatMap((contender) => {
        const config = find(results, contender, clients, payload);
        if (!config) return [];
        // A star: the load generator's core was full, so the bar is a floor.
        const star = floor(config) ? "*" : "";
        return [{ name: contender, value: pick(config), label: `${label(pick(config))}${star}` }];
      }),
    }));
  const largest = Math.max(...counts);
  const charts: Record<string, string> = {
    "throughput.svg": barChart({
      title: `Delivered events per second, ${payload} B payload, as fast as receivers take them`,
      groups: grouped(
        (config) => config.burst.deliveredPerSecond,
        thousands,
        (config) => config.burst.generatorBound,
      ),
    }),
    "latency.svg": barChart({
      title: `p99 latency in ms at a steady rate, ${payload} B payload`,
      groups: grouped((config) => config.paced.load.latency.p99, ms),
    }),
    "memory.svg": barChart({
      title: `Server memory per idle connection in KB, ${largest} clients`,
      groups: ["RSS", "heap"].map((kind) => ({
        label: kind,
        bars: contenders.flatMap((contender) => {
          const config = find(results, contender, largest, payload);
          if (!config) return [];
          const value =
            kind === "RSS" ? config.memory.rssPerConnection : config.memory.heapPerConnection;
          return [{ name: contender, value: value / 1024, label: kb(value) }];
        }),
      })),
    }),
  };
  const files = [path.join(out, "results.md")];
  writeFileSync(files[0] as string, `${markdown}\n`);
  for (const [name, svg] of Object.entries(charts)) {
    const file = path.join(out, name);
    writeFileSync(file, svg);
    files.push(file);
  }
  return { markdown, files };
}

// `npx tsx scripts/bench/report.ts [docs/bench]` redraws the table and charts from results.json.
if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const out = path.resolve(process.argv[2] ?? "docs/bench");
  const results = JSON.parse(readFileSync(path.join(out, "results.json"), "utf8")) as Results;
  console.log(writeReport(results, out).files.join("\n"));
}
