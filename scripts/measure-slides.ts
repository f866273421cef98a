// npx tsx scripts/measure-slides.ts — how legible every deck is from the back row.
// Serves the decks like `npm run slides`, opens each in Chromium at 1280×720, walks every
// slide and prints, per deck, the smallest code font and the smallest diagram text as drawn
// (slide pixels), and the slides under the minimum that test/slides.browser.test.ts enforces.
import {
  minimumCodePx,
  minimumDiagramTextPx,
  smallestDiagramTextPx,
} from "../slides/legibility.ts";
import { startSlidesServer } from "../slides/server.ts";
import { launchBrowser } from "../tools/chromium.ts";

const slides = await startSlidesServer({
  port: 0,
  host: "127.0.0.1",
  logLevel: "silent",
  liveReload: false,
});
const browser = await launchBrowser();
const format = (px: number | undefined) => (px === undefined ? "—" : `${px.toFixed(1)} px`);
let smallestCode: number | undefined;
let smallestDiagram: number | undefined;
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  console.log(
    `deck                     slides  smallest code  smallest diagram text  under the minimum`,
  );
  for (const deck of slides.deckUrls) {
    await page.goto(deck.url);
    await page.waitForFunction(() => window.Reveal?.isReady());
    const total = (await page.evaluate(() => window.Reveal?.getTotalSlides())) ?? 0;
    let code: number | undefined;
    let diagram: number | undefined;
    const under: string[] = [];
    for (let index = 0; index < total; index += 1) {
      await page.evaluate((h) => window.Reveal?.slide(h), index);
      // Diagrams load asynchronously; their shown width is only known once they have.
      await page.waitForFunction(() =>
        Array.from(window.Reveal?.getCurrentSlide().querySelectorAll("img") ?? []).every(
          (img) => img.complete,
        ),
      );
      const sizes = await page.evaluate(() => window.slideSizes?.());
      if (!sizes) continue;
      const slideCode = sizes.codePx.length > 0 ? Math.min(...sizes.codePx) : undefined;
      const slideDiagram = smallestDiagramTextPx(sizes);
      if (slideCode !== undefined) code = Math.min(code ?? slideCode, slideCode);
      if (slideDiagram !== undefined) diagram = Math.min(diagram ?? slideDiagram, slideDiagram);
      if ((slideCode ?? minimumCodePx) < minimumCodePx)
        under.push(`${index + 1}: code ${format(slideCode)}`);
      if ((slideDiagram ?? minimumDiagramTextPx) < minimumDiagramTextPx)
        under.push(`${index + 1}: diagram ${format(slideDiagram)}`);
    }
    if (code !== undefined) smallestCode = Math.min(smallestCode ?? code, code);
    if (diagram !== undefined) smallestDiagram = Math.min(smallestDiagram ?? diagram, diagram);
    console.log(
      `${deck.name.padEnd(24)} ${String(total).padStart(6)}  ${format(code).padStart(13)}  ${format(diagram).padStart(21)}  ${under.join(", ") || "none"}`,
    );
  }
} finally {
  await browser.close();
  await slides.close();
}
console.log(
  `\nsmallest code ${format(smallestCode)} (minimum ${minimumCodePx} px), smallest diagram text ${format(smallestDiagram)} (minimum ${minimumDiagramTextPx} px), on a 1280×720 slide`,
);
