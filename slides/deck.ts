// The browser side of every deck: reveal.js with markdown, code highlighting and speaker notes.
import Reveal from "reveal.js";
import Highlight from "reveal.js/plugin/highlight";
import Markdown from "reveal.js/plugin/markdown";
import Notes from "reveal.js/plugin/notes";
import "reveal.js/reset.css";
import "reveal.js/reveal.css";
import "reveal.js/theme/white-contrast.css";
import "reveal.js/plugin/highlight/monokai.css";
import "./theme.css";
import { measureSlideInPage, minimumCodePx, type SlideSizes } from "./legibility.ts";

declare global {
  interface Window {
    /** The running deck, for the browser test (and for trying the API from the console). */
    Reveal?: InstanceType<typeof Reveal>;
    /** Font and diagram sizes on the current slide: what the slides test and measure-slides read. */
    slideSizes?: () => Promise<SlideSizes>;
  }
}

const deck = new Reveal({
  // The slide number in the URL: a reload, or a link sent to a student, lands on the same slide.
  hash: true,
  slideNumber: "c/t",
  // 16:9, the shape of most classroom projectors.
  width: 1280,
  height: 720,
  margin: 0.04,
  transition: "none",
  plugins: [Markdown, Highlight, Notes],
});
/**
 * Shrink a code block's font step by step until it fits its box, but never below the size
 * the back row can read (minimumCodePx): a region longer than that steps through its lines
 * instead (`[1-6|8-13]` on its marker), and reveal scrolls each step's lines into view.
 */
function fitCodeToSlide(slide: Element | undefined): void {
  for (const code of slide?.querySelectorAll<HTMLElement>("pre code") ?? []) {
    code.style.fontSize = "";
    const fullPx = Number.parseFloat(getComputedStyle(code).fontSize);
    const smallestScale = minimumCodePx / fullPx;
    // A block stepping through its lines scrolls to them: only its width has to fit.
    const steps = code.hasAttribute("data-line-numbers");
    const overflows = () =>
      code.scrollWidth > code.clientWidth + 1 ||
      (!steps && code.scrollHeight > code.clientHeight + 1);
    let scale = 1;
    while (overflows() && scale - 0.02 >= smallestScale) {
      scale -= 0.02;
      code.style.fontSize = `${scale.toFixed(2)}em`;
    }
  }
}

/**
 * Shrink a whole slide's text a little when it runs past the bottom, so the last bullet is
 * not cut off on the projector. Past the smallest scale the slide needs splitting instead
 * (the browser test reports it).
 */
function fitSlide(slide: HTMLElement | undefined): void {
  if (!slide) return;
  const height = Number(deck.getConfig().height);
  const smallestScale = 0.75;
  let scale = 1;
  slide.style.fontSize = "";
  while (slide.scrollHeight > height && scale > smallestScale) {
    scale -= 0.05;
    slide.style.fontSize = `${scale.toFixed(2)}em`;
  }
}

function fitCurrentSlide(): void {
  const slide = deck.getCurrentSlide();
  fitSlide(slide);
  fitCodeToSlide(slide);
  // reveal centres a slide by its height, which fitting just changed.
  deck.layout();
}

await deck.initialize();
// A slide can only be measured while it is shown, so fit each one as it comes up.
deck.on("slidechanged", fitCurrentSlide);
fitCurrentSlide();
window.Reveal = deck;
window.slideSizes = () => measureSlideInPage(deck.getCurrentSlide());
