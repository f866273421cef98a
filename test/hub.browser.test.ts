// The workshop hub (`npm start`): the home page lists the labs with their links and progress,
// and the stream inspector shows a real lab stream's bytes, events, readyState and reconnects.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, test } from "vitest";
import { onCleanup, openPage, type RunningLab, repoRoot, waitFor } from "./helpers/index.ts";

type StartHub = (options: object) => Promise<{ url: string; close(): Promise<void> }>;

async function startHub(options: Record<string, unknown> = {}) {
  const { startServer } = (await import(
    pathToFileURL(path.join(repoRoot, "hub", "server.ts")).href
  )) as { startServer: StartHub };
  const hub = await startServer({ port: 0, host: "127.0.0.1", ...options });
  onCleanup(() => hub.close());
  return hub;
}

async function startSolution(name: string, options: Record<string, unknown>) {
  const { startServer } = (await import(
    pathToFileURL(path.join(repoRoot, "solutions", name, "server.ts")).href
  )) as { startServer: (options: object) => Promise<RunningLab> };
  const running = await startServer({ port: 0, host: "127.0.0.1", ...options });
  onCleanup(() => running.close());
  return running;
}

const labNames = readdirSync(path.join(repoRoot, "labs"))
  .filter((name) => /^lab\d\d-/.test(name))
  .sort();

/**
 * What a reader of the README sees as its "What you will learn" list, read the plain way:
 * each `- ` line starts a bullet, an indented line continues it. Independent of the hub's
 * Markdown library on purpose: the cards must show what the README says.
 */
function learnBullets(readme: string): string[] {
  const lines = readme.replace(/\r\n?/g, "\n").split("\n");
  const start = lines.findIndex((line) => /^##\s+What you (will )?learn/i.test(line));
  if (start === -1) return [];
  const bullets: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^#/.test(line) || (line.trim() === "" && bullets.length > 0)) break;
    const item = /^[-*]\s+(.*)$/.exec(line);
    if (item) bullets.push(item[1] ?? "");
    else if (line.trim() !== "" && bullets.length > 0)
      bullets[bullets.length - 1] += ` ${line.trim()}`;
  }
  // As shown on a page: Markdown marks gone, spaces collapsed.
  return bullets.map((bullet) =>
    bullet
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      // Emphasis marks go, but a `*` inside a code span is text (lab 10: "never `*`").
      .split(/(`[^`]*`)/)
      .map((part) => (part.startsWith("`") ? part.slice(1, -1) : part.replace(/\*/g, "")))
      .join("")
      .replace(/\s+/g, " ")
      .trim(),
  );
}

describe("workshop hub", () => {
  test("the home page lists every lab in order, with its links, check command and progress", async () => {
    const progressFile = path.join(mkdtempSync(path.join(tmpdir(), "hub-")), "progress.json");
    writeFileSync(
      progressFile,
      JSON.stringify({
        lab01: {
          status: "pass",
          passed: 11,
          failed: 0,
          durationMs: 900,
          at: new Date().toISOString(),
        },
        lab02: {
          status: "fail",
          passed: 3,
          failed: 4,
          durationMs: 900,
          at: new Date().toISOString(),
        },
      }),
    );
    const hub = await startHub({ progressFile });
    const page = await openPage(`${hub.url}/`);

    const labs = readdirSync(path.join(repoRoot, "labs"))
      .filter((n) => /^lab\d\d-/.test(n))
      .sort();
    const ids = labs.map((name) => name.slice(0, 5));
    expect(await page.attributesOf("ol.labs > li", "data-lab"), "every lab, in order").toEqual(ids);

    const first = page.page.locator('li[data-lab="lab01"]');
    expect(await first.locator("h2").textContent()).toMatch(/^Lab 01/);
    expect(await first.locator(".progress").getAttribute("data-status")).toBe("pass");
    expect(await page.page.locator('li[data-lab="lab02"] .progress').textContent()).toContain(
      "4 of 7 tests failing",
    );
    expect(await first.textContent()).toContain("npm test -- lab01");
    expect(await first.locator('a:text("slides")').getAttribute("href")).toBe(
      "http://localhost:5174/01-first-stream.html",
    );
    expect(await page.textOf("#progress-summary")).toBe(`1 of ${labs.length} labs pass.`);

    // The instructions link renders the README: headings, code blocks, hints.
    await first.locator('a:text("instructions")').click();
    await page.page.waitForSelector("h1");
    expect(await page.textOf("h1")).toMatch(/^Lab 01/);
    expect(await page.page.locator("pre code").count(), "the README's code blocks").toBeGreaterThan(
      0,
    );
    expect(page.pageErrors).toEqual([]);
    expect(page.consoleErrors).toEqual([]);
  });

  test("every lab's card shows its README's summary, every bullet of what you will learn, and its time", async () => {
    const hub = await startHub();
    const page = await openPage(`${hub.url}/`);
    for (const name of labNames) {
      const readme = readFileSync(path.join(repoRoot, "labs", name, "README.md"), "utf8");
      const card = page.page.locator(`li[data-lab="${name.slice(0, 5)}"]`);
      const shown = (await card.locator(".learn li").allTextContents()).map((text) =>
        text.replace(/\s+/g, " ").trim(),
      );
      expect(shown, `${name}: the card's "what you will learn" vs the README's list`).toEqual(
        learnBullets(readme),
      );
      // The summary: the README's first paragraph of prose, under the heading.
      const summary = readme
        .split(/\n\s*\n/)
        .map((block) => block.trim())
        .find((block) => /^[A-Za-z`]/.test(block) && !block.startsWith("**Time:**"));
      expect(
        ((await card.locator("p").first().textContent()) ?? "").replace(/\s+/g, " ").trim(),
        `${name}: the card's summary vs the README's first paragraph`,
      ).toBe(
        (summary ?? "")
          .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
          .replace(/[`*]/g, "")
          .replace(/\s+/g, " ")
          .trim(),
      );
      const minutes = /^\*\*Time:\*\*\s*about\s+(\d+)\s*min/m.exec(readme)?.[1];
      expect(minutes, `${name}/README.md needs a line "**Time:** about N min"`).toBeDefined();
      expect(await card.locator(".time").textContent(), `${name}: time on the card`).toBe(
        `about ${minutes} min`,
      );
      // No Markdown or HTML left raw on the card.
      expect(await card.textContent(), `${name}: raw markup on the card`).not.toMatch(
        /\*\*|`|<\/?[a-z]+>/,
      );
    }
    expect(page.pageErrors).toEqual([]);
  }, 60_000);

  test("every lab page renders its README, with previous/next, its page and its slides", async () => {
    const hub = await startHub();
    const page = await openPage(`${hub.url}/`);
    for (const [index, name] of labNames.entries()) {
      const readme = readFileSync(path.join(repoRoot, "labs", name, "README.md"), "utf8");
      await page.page.goto(`${hub.url}/labs/${name}`);
      const heading = /^# (.+)$/m.exec(readme)?.[1]?.trim();
      expect(await page.textOf("h1"), `${name}: title`).toBe(heading);
      const fences = readme.match(/^```/gm)?.length ?? 0;
      expect(await page.page.locator("pre code").count(), `${name}: code blocks`).toBe(fences / 2);
      const details = readme.match(/<details>/g)?.length ?? 0;
      expect(await page.page.locator("details > summary").count(), `${name}: hints`).toBe(details);
      const text = (await page.textOf("body")) ?? "";
      expect(text, `${name}: raw Markdown or escaped HTML on the page`).not.toMatch(
        /<\/?(code|summary|details|strong)>|^\s*```|\*\*\w/m,
      );
      const hrefs = async (rel: string) =>
        (await page.attributesOf(`nav.lab-nav a[rel="${rel}"]`, "href"))[0];
      expect(await hrefs("prev"), `${name}: previous`).toBe(
        index > 0 ? `/labs/${labNames[index - 1]}` : "/",
      );
      expect(await hrefs("next"), `${name}: next`).toBe(
        index < labNames.length - 1 ? `/labs/${labNames[index + 1]}` : "/",
      );
      const deck = `http://localhost:5174/${name.slice(3)}.html`;
      expect(await page.attributesOf(".links a", "href"), `${name}: page and slides links`).toEqual(
        expect.arrayContaining([expect.stringMatching(/^http:\/\/localhost:5173\//), deck]),
      );
      expect(page.pageErrors, name).toEqual([]);
    }
  }, 60_000);

  test("the instructor guide is linked from the home page and renders", async () => {
    const hub = await startHub();
    const page = await openPage(`${hub.url}/`);
    await page.page.locator('header a:text("Instructor guide")').click();
    await page.page.waitForSelector("h1");
    expect(await page.textOf("h1")).toMatch(/instructor/i);
    expect(await page.attributesOf(".links a", "href")).toContain(
      "http://localhost:5174/instructor.html",
    );
  });

  test("the inspector shows raw frames, parsed events, readyState, and a reconnect with Last-Event-ID", async () => {
    // Always the finished lab 03 (ids, retry, replay), whatever track the student runs:
    // this checks the inspector, not their code.
    const lab = await startSolution("lab03-reconnection", { intervalMs: 40, retryMs: 60 });
    const hub = await startHub();
    const page = await openPage(
      `${hub.url}/inspector/?url=${encodeURIComponent(`${lab.url}/stream`)}`,
    );

    const eventIds = () => page.attributesOf("#events tr", "data-id");
    await waitFor(async () => (await eventIds()).length >= 3, {
      message: "the inspector should list parsed events",
      timeoutMs: 5000,
      describe: () => page.describeErrors(),
    });
    const raw = (await page.textsOf("#raw pre")).join("");
    expect(raw, "raw bytes show the retry field and framed events").toContain("retry: 60⏎");
    expect(raw).toMatch(/id: \d+⏎\ndata: /);
    expect(await page.textOf("#retry"), "the retry the server asked for").toBe("60");
    expect(
      (await page.attributesOf("#ready-states li", "data-state")).at(-1),
      "the parallel EventSource is open",
    ).toBe("OPEN");

    // Drop every connection: both the fetch loop and the EventSource reconnect.
    const lastSeen = (await eventIds()).at(-1);
    lab.server.closeAllConnections();
    await waitFor(
      async () => (await page.attributesOf("#attempts li", "data-attempt")).length >= 2,
      {
        message: "the inspector should reconnect after retry: 60",
        timeoutMs: 3000,
        describe: () => page.describeErrors(),
      },
    );
    const sent = await page.attributesOf("#attempts li", "data-last-event-id");
    expect(sent[0], "the first request sends no Last-Event-ID").toBe("");
    expect(Number(sent[1]), "the reconnect sends the last id it saw").toBeGreaterThanOrEqual(
      Number(lastSeen),
    );
    await waitFor(async () => (await eventIds()).length >= 8, {
      message: "events should keep coming after the reconnect",
      timeoutMs: 3000,
    });
    const ids = (await eventIds()).filter((id) => id !== "").map(Number);
    expect(ids, "no gap, no duplicate across the reconnect").toEqual(
      ids.map((_, index) => (ids[0] ?? 0) + index),
    );
    const states = await page.attributesOf("#ready-states li", "data-state");
    expect(states.join(" "), "readyState over time: open, dropped (retrying), open again").toMatch(
      /OPEN.*CONNECTING.*OPEN/,
    );
    expect(page.pageErrors).toEqual([]);
  });
});
