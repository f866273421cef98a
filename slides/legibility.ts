// What "legible from the back row" means for a deck, in numbers, and how to measure it.
// Sizes are CSS pixels on the 1280×720 slide (reveal then scales the whole slide to the
// screen, so a projector shows the same proportions): code and diagram text below these
// sizes could not be read at the back of a classroom when this was checked on a projector.
// Shared by test/slides.browser.test.ts (which enforces them) and scripts/measure-slides.ts
// (which prints them).

/** Smallest code font on a slide, after deck.ts has shrunk a long block to fit. */
export const minimumCodePx = 20;
/** Smallest text inside a diagram, as drawn on the slide (font-size × how much the SVG is scaled). */
export const minimumDiagramTextPx = 24;

export interface SvgText {
  /** The smallest font-size the SVG gives any text, in its own viewBox units. */
  smallestFontSize: number;
  /** The viewBox width: the SVG is drawn at (shown width / this) times its own units. */
  viewBoxWidth: number;
}

/**
 * The smallest font-size in a hand-written SVG (from `font-size="…"` attributes and
 * `font-size: …px` in its <style>), and its viewBox width. Undefined when it has no text.
 */
export function svgTextSizes(svg: string): SvgText | undefined {
  const viewBox = /viewBox="\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)/.exec(svg);
  const width = Number(viewBox?.[1] ?? /<svg[^>]*\swidth="([\d.]+)/.exec(svg)?.[1]);
  const sizes = [...svg.matchAll(/font-size\s*(?:=\s*"|:\s*)([\d.]+)/g)].map((match) =>
    Number(match[1]),
  );
  if (sizes.length === 0 || !Number.isFinite(width)) return undefined;
  return { smallestFontSize: Math.min(...sizes), viewBoxWidth: width };
}

export interface SlideSizes {
  /** The computed font size of each code block, in slide pixels. */
  codePx: number[];
  /** Each image's src and its shown width in slide pixels (before reveal scales the slide). */
  images: { src: string; widthPx: number }[];
}

/**
 * Runs in the page (pass it to page.evaluate): the sizes on one slide element.
 * Self-contained, because Playwright sends only its source to the browser.
 */
export function measureSlideInPage(slide: Element): SlideSizes {
  return {
    codePx: Array.from(slide.querySelectorAll("pre code"), (code) =>
      Number.parseFloat(getComputedStyle(code).fontSize),
    ),
    images: Array.from(slide.querySelectorAll("img"), (img) => ({
      src: img.getAttribute("src") ?? "",
      // offsetWidth is layout size: reveal's scale transform to the window does not change it.
      widthPx: img.offsetWidth,
    })),
  };
}

/** The smallest diagram text on a slide, in slide pixels, given each SVG's own sizes. */
export function smallestDiagramTextPx(
  sizes: SlideSizes,
  svgBySrc: (src: string) => SvgText | undefined,
): number | undefined {
  const drawn = sizes.images.flatMap((image) => {
    const svg = svgBySrc(image.src);
    if (!svg) return [];
    return [(svg.smallestFontSize * image.widthPx) / svg.viewBoxWidth];
  });
  return drawn.length > 0 ? Math.min(...drawn) : undefined;
}
