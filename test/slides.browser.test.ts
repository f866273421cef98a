// Every docs page, as the classroom sees it: served by `npm run slides`, opened in Chromium,
// walked slide by slide.
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAllDecks } from "../slides/build.ts";
import {
  minimumCodePx,
  minimumDiagramTextPx,
  smallestDiagramTextPx,
} from "../slides/legibility.ts";
import { type RunningSlides, startSlidesServer } from "../slides/server.ts";
import { openPage, repoRoot } from "./helpers/index.ts";

const docsDir = path.join(repoRoot, "docs");
const decks = buildAllDecks(docsDir, repoRoot);

/** A deck that goes with a lab (01-…, 02-…), as opposed to the intro or the instructor's deck. */
const isLabDeck = (name: string) => /^\d\d-/.test(name) && !name.startsWith("00-");

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
  // WCAG contrast of two computed colours ("rgb(r, g, b)").
  const luminance = (color: string) => {
    const [r = 0, g = 0, b = 0] = (color.match(/[\d.]+/g) ?? []).map(Number).map((value) => {
      const c = value / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const contrast = (a: string, b: string) => {
    const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return ((light ?? 0) + 0.05) / ((dark ?? 0) + 0.05);
  };
  const total = deck.getTotalSlides();
  for (let step = 0; step < total; step += 1) {
    // slide(h) shows the slide with its fragments (code steps) not yet revealed.
    deck.slide(step);
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
    const blocks = Array.from(slide.querySelectorAll("pre"));
    // A block stepping through its lines holds one <code> per step (reveal's fragments);
    // it may scroll, but each step's highlighted lines must fit in the box.
    const codes = Array.from(slide.querySelectorAll<HTMLElement>("pre code"));
    const tokens = codes.flatMap((code) =>
      Array.from(code.querySelectorAll("span"), (span) => ({
        text: span.textContent ?? "",
        contrast: contrast(getComputedStyle(span).color, getComputedStyle(code).backgroundColor),
      })),
    );
    const worstToken = tokens.sort((a, b) => a.contrast - b.contrast)[0];
    seen.push({
      index: deck.getIndices().h,
      text: (shown.textContent ?? "").trim(),
      prose: (prose.textContent ?? "").trim(),
      notes: (deck.getSlideNotes() ?? "").trim(),
      // How far the content runs past the bottom of the 1280×720 slide: cut off on the projector.
      overflowPx: Math.max(0, slide.scrollHeight - deck.getConfig().height),
      scrollingCode: codes.filter((code) => {
        if (!code.hasAttribute("data-line-numbers")) {
          return code.scrollHeight > code.clientHeight + 1;
        }
        const lines = Array.from(code.querySelectorAll<HTMLElement>(".highlight-line"));
        const first = lines[0];
        const last = lines.at(-1);
        if (!first || !last) return false;
        return last.offsetTop + last.offsetHeight - first.offsetTop > code.clientHeight;
      }).length,
      codeBlocks: blocks.length,
      highlighted: blocks.filter((pre) => pre.querySelector("code")?.classList.contains("hljs"))
        .length,
      sizes: await window.slideSizes?.(),
      worstToken,
      images: images.map((img) => ({
        src: img.getAttribute("src"),
        loaded: img.complete && img.naturalWidth > 0,
      })),
    });
  }
  return { seen, reachedLastSlide: deck.isLastSlide() };
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

  it.each(decks.filter((deck) => isLabDeck(deck.name)).map((deck) => [deck.name, deck] as const))(
    "deck %s ends its lab with an exercise slide (## Your turn)",
    (name, deck) => {
      const exercise = deck.slides.findIndex((slide) => /^##\s+Your turn\b/m.test(slide.markdown));
      expect(exercise, `${name}: no "## Your turn" slide — every lab deck ends with one`).not.toBe(
        -1,
      );
      // After it, only references may follow, not more teaching.
      for (const later of deck.slides.slice(exercise + 1)) {
        expect(later.markdown, `${name}: a slide after "Your turn"`).toMatch(
          /^##\s+(References|Further reading|Where next|Next)/m,
        );
      }
    },
  );

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

      const { seen, reachedLastSlide } = await page.evaluate(walkDeck);
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
        const fences = expected.markdown.match(/^```+.*$/gm)?.length ?? 0;
        expect(shown.codeBlocks, `${where}: code blocks`).toBe(fences / 2);
        expect(shown.scrollingCode, `${where}: code too long to fit, even shrunk`).toBe(0);
        expect(shown.overflowPx, `${where} runs past the bottom of the slide: split it`).toBe(0);
        expect(shown.highlighted, `${where}: code blocks highlighted`).toBe(shown.codeBlocks);
        expect(shown.notes !== "", `${where}: speaker notes present`).toBe(expected.notes !== "");

        // Legible from the back row (slides/legibility.ts): code, diagram text, token colours.
        const codePx = Math.min(...(shown.sizes?.codePx ?? []));
        expect(
          codePx,
          `${where}: code shrunk to ${codePx.toFixed(1)} px to fit — under ${minimumCodePx} px the back row cannot read it. Step through the region with line highlights (a marker ending [1-6|8-13]) or split it`,
        ).toBeGreaterThanOrEqual(minimumCodePx);
        const diagramPx = shown.sizes ? smallestDiagramTextPx(shown.sizes) : undefined;
        expect(
          diagramPx ?? Number.POSITIVE_INFINITY,
          `${where}: the diagram's smallest text is drawn at ${diagramPx?.toFixed(1)} px, under ${minimumDiagramTextPx} px. Give the diagram a slide of its own (only a heading) and larger text in the SVG (≥ 28 px in a 1280-wide viewBox), without a title repeating the slide's heading`,
        ).toBeGreaterThanOrEqual(minimumDiagramTextPx);
        if (shown.worstToken) {
          expect(
            shown.worstToken.contrast,
            `${where}: code token "${shown.worstToken.text}" has contrast ${shown.worstToken.contrast.toFixed(2)}:1 on the code background, under 4.5:1 (slides/theme.css sets the token colours)`,
          ).toBeGreaterThanOrEqual(4.5);
        }
      }
      expect(reachedLastSlide, `${name}: the walk reached the last slide`).toBe(true);
      expect([...pageErrors, ...consoleErrors], describeErrors()).toEqual([]);
    },
    // A deck of 20 slides, each measured: seconds on a quiet laptop, more on a busy CI box.
    45_000,
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
    // The speaker view loads the deck twice more (current and upcoming slide): on a busy
    // machine that alone can take several seconds.
  }, 45_000);
});
