// Every docs page, as the classroom sees it: served by `npm run slides`, opened in Chromium,
// walked slide by slide.
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAllDecks } from "../slides/build.ts";
import { type RunningSlides, startSlidesServer } from "../slides/server.ts";
import { openPage, repoRoot } from "./helpers/index.ts";

const decks = buildAllDecks(path.join(repoRoot, "docs"), repoRoot);

// A title-slide picture of each deck. A new deck gets one in docs/screenshots/ (the README
// shows them); existing ones are only replaced with UPDATE_SCREENSHOTS=1, so a test run on a
// machine with other fonts does not leave changed PNGs in the student's clone.
const screenshotDir = path.join(repoRoot, "docs", "screenshots");
const scratchDir = path.join(repoRoot, "test-results", "slides");

function screenshotPath(deck: string): string {
  const committed = path.join(screenshotDir, `slides-${deck}.png`);
  if (process.env.UPDATE_SCREENSHOTS === "1" || !existsSync(committed)) return committed;
  return path.join(scratchDir, `slides-${deck}.png`);
}

/**
 * Runs in the page: walk the deck from the first slide with reveal's own API (next()),
 * and report what a viewer sees on each slide. One round trip for the whole deck.
 */
async function walkDeck() {
  const deck = window.Reveal;
  if (!deck) throw new Error("reveal.js is not running");
  const imageTimeoutMs = 3000;
  const seen = [];
  deck.slide(0);
  for (let step = 0; step < deck.getTotalSlides(); step += 1) {
    const slide = deck.getCurrentSlide();
    const images = Array.from(slide.querySelectorAll("img"));
    // Diagrams load asynchronously: wait for each to load or fail, with a deadline.
    await Promise.race([
      Promise.all(
        images.map((img) =>
          img.complete
            ? undefined
            : new Promise((settle) => {
                img.addEventListener("load", settle);
                img.addEventListener("error", settle);
              }),
        ),
      ),
      new Promise((settle) => setTimeout(settle, imageTimeoutMs)),
    ]);
    const shown = slide.cloneNode(true) as HTMLElement;
    for (const notes of shown.querySelectorAll("aside.notes")) notes.remove();
    const prose = shown.cloneNode(true) as HTMLElement;
    for (const code of prose.querySelectorAll("pre")) code.remove();
    seen.push({
      index: deck.getIndices().h,
      text: (shown.textContent ?? "").trim(),
      prose: (prose.textContent ?? "").trim(),
      notes: (deck.getSlideNotes() ?? "").trim(),
      // How far the content runs past the bottom of the 1280×720 slide: cut off on the projector.
      overflowPx: Math.max(0, slide.scrollHeight - deck.getConfig().height),
      scrollingCode: Array.from(slide.querySelectorAll("pre code")).filter(
        (code) => code.scrollHeight > code.clientHeight + 1,
      ).length,
      codeBlocks: slide.querySelectorAll("pre code").length,
      highlighted: slide.querySelectorAll("pre code.hljs").length,
      images: images.map((img) => ({
        src: img.getAttribute("src"),
        loaded: img.complete && img.naturalWidth > 0,
      })),
    });
    deck.next();
  }
  return { seen, endedOnLastSlide: deck.isLastSlide() };
}

/** Notes markdown as plain text, the way the speaker view shows it. */
function plainText(markdown: string): string {
  return markdown
    .replace(/\]\([^)]*\)/g, "")
    .replace(/[[\]*_`]/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

let slides: RunningSlides;

beforeAll(async () => {
  slides = await startSlidesServer({
    port: 0,
    host: "127.0.0.1",
    logLevel: "silent",
    liveReload: false,
  });
});

afterAll(async () => {
  await slides?.close();
});

describe("npm run slides", () => {
  it("has a deck for the intro and for every lab page", () => {
    expect(decks.map((deck) => deck.name)).toContain("00-intro");
    expect(decks.length).toBeGreaterThanOrEqual(2);
  });

  it("lists every deck on its index page", async () => {
    const { textsOf } = await openPage(`${slides.url}/`);
    expect(await textsOf(".decks a")).toEqual(decks.map((deck) => deck.title));
  });

  it.each(decks.map((deck) => [deck.name, deck] as const))(
    "deck %s shows every slide, its code highlighted, its diagrams loaded, no console error",
    async (name, deck) => {
      const { page, consoleErrors, pageErrors, describeErrors } = await openPage(
        `${slides.url}/${name}.html`,
      );
      // 16:9 like a projector, and small enough to keep the committed PNGs small.
      await page.setViewportSize({ width: 960, height: 540 });
      await page.waitForFunction(() => window.Reveal?.isReady(), null, { timeout: 5000 });

      const total = await page.evaluate(() => window.Reveal?.getTotalSlides());
      expect(total, `${name}: slides in the browser vs --- separated slides in the page`).toBe(
        deck.slides.length,
      );

      // The title slide, as the room sees it when the instructor opens the deck.
      const screenshot = screenshotPath(name);
      mkdirSync(path.dirname(screenshot), { recursive: true });
      await page.screenshot({ path: screenshot });

      const { seen, endedOnLastSlide } = await page.evaluate(walkDeck);
      expect(seen.length, `${name}: slides walked`).toBe(deck.slides.length);
      for (const [index, expected] of deck.slides.entries()) {
        const shown = seen[index];
        const where = `${name} slide ${index + 1}/${total}`;
        expect(shown?.index, where).toBe(index);
        if (!shown) continue;
        expect(shown.text.length > 0 || shown.images.length > 0, `${where} is empty`).toBe(true);
        // Markdown the build or the plugin failed to turn into HTML would show as raw text.
        expect(shown.prose, `${where} shows raw markdown`).not.toMatch(/<!-- code:|^```|^#+ /m);
        for (const image of shown.images) {
          expect(image.loaded, `${where}: image ${image.src} did not load`).toBe(true);
        }
        const fences = expected.markdown.match(/^```+\S*$/gm)?.length ?? 0;
        expect(shown.codeBlocks, `${where}: code blocks`).toBe(fences / 2);
        expect(shown.scrollingCode, `${where}: code too long to fit, even shrunk`).toBe(0);
        expect(shown.overflowPx, `${where} runs past the bottom of the slide: split it`).toBe(0);
        expect(shown.highlighted, `${where}: code blocks highlighted`).toBe(shown.codeBlocks);
        expect(shown.notes !== "", `${where}: speaker notes present`).toBe(expected.notes !== "");
      }
      expect(endedOnLastSlide, `${name}: next() reached the last slide`).toBe(true);
      expect([...pageErrors, ...consoleErrors], describeErrors()).toEqual([]);
    },
  );

  it("opens the speaker view on S, showing the notes of the current slide as the deck moves", async () => {
    const deck = decks.find(
      (candidate) => candidate.slides[0]?.notes && candidate.slides[1]?.notes,
    );
    if (!deck)
      throw new Error("no deck has notes on its first two slides to check the speaker view");
    const { page } = await openPage(`${slides.url}/${deck.name}.html`);
    await page.waitForFunction(() => window.Reveal?.isReady(), null, { timeout: 5000 });

    const [speakerView] = await Promise.all([
      page.context().waitForEvent("page", { timeout: 5000 }),
      page.keyboard.press("s"),
    ]);
    const notesShown = () =>
      speakerView.evaluate(() =>
        (document.querySelector(".speaker-controls-notes .value")?.textContent ?? "")
          .replace(/\s+/g, " ")
          .trim(),
      );
    for (const [index, slide] of deck.slides.slice(0, 2).entries()) {
      const expected = plainText(slide.notes).slice(0, 60);
      await speakerView
        .waitForFunction(
          (text) =>
            (document.querySelector(".speaker-controls-notes .value")?.textContent ?? "")
              .replace(/\s+/g, " ")
              .includes(text),
          expected,
          { timeout: 5000 },
        )
        .catch(() => undefined);
      expect(await notesShown(), `${deck.name} slide ${index + 1}: speaker notes`).toContain(
        expected,
      );
      await page.keyboard.press("ArrowRight");
    }
  });
});
