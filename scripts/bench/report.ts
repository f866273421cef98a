// Turn results.json into what a class reads: a Markdown table and three SVG bar charts.
import { writeFileSync } from "node:fs";
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

/** Grouped vertical bars, text large enough to read on a projected slide. */
function barChart(options: {
  title: string;
  unit: string;
  groups: { label: string; bars: Bar[] }[];
}) {
  const width = 1280;
  const height = 720;
  const left = 120;
  const right = 40;
  const top = 150;
  const bottom = 110;
  const plotHeight = height - top - bottom;
  const max = Math.max(
    1e-9,
    ...options.groups.flatMap((group) => group.bars.map((bar) => bar.value)),
  );
  const groupWidth = (width - left - right) / options.groups.length;
  const names = [...new Set(options.groups.flatMap((group) => group.bars.map((bar) => bar.name)))];
  const barWidth = (groupWidth * 0.8) / names.length;
  const parts: string[] = [];
  parts.push(
    `<text x="${left}" y="50" font-size="34" font-weight="bold">${options.title}</text>`,
    `<text x="${left}" y="92" font-size="28" fill="#444">${options.unit}</text>`,
  );
  names.forEach((name, i) => {
    const x = left + i * 270;
    parts.push(
      `<rect x="${x}" y="${height - 52}" width="28" height="28" fill="${colors[name] ?? "#888"}"/>`,
      `<text x="${x + 38}" y="${height - 28}" font-size="28">${name}</text>`,
    );
  });
  parts.push(
    `<line x1="${left}" y1="${top + plotHeight}" x2="${width - right}" y2="${top + plotHeight}" stroke="#222" stroke-width="2"/>`,
  );
  options.groups.forEach((group, g) => {
    const groupX = left + g * groupWidth + groupWidth * 0.1;
    group.bars.forEach((bar) => {
      const i = names.indexOf(bar.name);
      const h = (bar.value / max) * (plotHeight - 40);
      const x = groupX + i * barWidth;
      const y = top + plotHeight - h;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barWidth - 6).toFixed(1)}" height="${h.toFixed(1)}" fill="${colors[bar.name] ?? "#888"}"/>`,
        `<text x="${(x + (barWidth - 6) / 2).toFixed(1)}" y="${(y - 10).toFixed(1)}" font-size="24" text-anchor="middle">${bar.label}</text>`,
      );
    });
    parts.push(
      `<text x="${(left + g * groupWidth + groupWidth / 2).toFixed(1)}" y="${top + plotHeight + 40}" font-size="28" text-anchor="middle">${group.label}</text>`,
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">\n<rect width="${width}" height="${height}" fill="#fff"/>\n${parts.join("\n")}\n</svg>\n`;
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
  const grouped = (pick: (config: ConfigResult) => number, label: (value: number) => string) =>
    counts.map((clients) => ({
      label: `${clients} clients`,
      bars: contenders.flatMap((contender) => {
        const config = find(results, contender, clients, payload);
        return config ? [{ name: contender, value: pick(config), label: label(pick(config)) }] : [];
      }),
    }));
  const largest = Math.max(...counts);
  const charts: Record<string, string> = {
    "throughput.svg": barChart({
      title: `Delivered events per second (${payload} B, burst)`,
      unit: "higher is better · measured at the receivers",
      groups: grouped((config) => config.burst.deliveredPerSecond, thousands),
    }),
    "latency.svg": barChart({
      title: `p99 latency at ${results.configs[0]?.paced ? "a steady rate" : ""} (${payload} B)`,
      unit: "ms, lower is better · send time to arrival, every client",
      groups: grouped((config) => config.paced.load.latency.p99, ms),
    }),
    "memory.svg": barChart({
      title: `Server memory per idle connection (${largest} clients)`,
      unit: "KB, lower is better · after garbage collection",
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
