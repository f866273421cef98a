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

export interface SlideSizes {
  /** The computed font size of each code block, in slide pixels. */
  codePx: number[];
  /**
   * Each image's src, its shown width in slide pixels (before reveal scales the slide to the
   * window), and for an SVG the smallest text in it as drawn at that size.
   */
  images: { src: string; widthPx: number; smallestTextPx: number | undefined }[];
}

/**
 * The smallest text of an SVG drawn at `width`×`height`, in pixels: every <text> and <tspan>
 * that holds characters, its computed font size (CSS classes, attributes, inheritance, the
 * SVG default of 16 px) times the scale from the viewBox to the drawn size. Measured by
 * drawing the same file off-screen, outside reveal's own scaling.
 */
async function smallestSvgTextInPage(
  src: string,
  width: number,
  height: number,
): Promise<number | undefined> {
  const response = await fetch(src);
  if (!response.ok) return undefined;
  const parsed = new DOMParser().parseFromString(await response.text(), "image/svg+xml");
  const svg = document.importNode(parsed.documentElement, true) as unknown as SVGSVGElement;
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(height));
  const holder = document.createElement("div");
  holder.style.cssText = "position:absolute;left:-20000px;top:0;";
  holder.append(svg);
  document.body.append(holder);
  try {
    const sizes = Array.from(svg.querySelectorAll<SVGTextContentElement>("text, tspan"))
      .filter((element) =>
        Array.from(element.childNodes).some(
          (node) => node.nodeType === Node.TEXT_NODE && (node.textContent ?? "").trim() !== "",
        ),
      )
      .map((element) => {
        const scale = element.getScreenCTM()?.a ?? 1;
        return Number.parseFloat(getComputedStyle(element).fontSize) * scale;
      });
    return sizes.length > 0 ? Math.min(...sizes) : undefined;
  } finally {
    holder.remove();
  }
}

/**
 * Runs in the page (deck.ts exposes it as window.slideSizes): the sizes on one slide element.
 */
export async function measureSlideInPage(slide: Element): Promise<SlideSizes> {
  const images = Array.from(slide.querySelectorAll("img"));
  return {
    codePx: Array.from(slide.querySelectorAll("pre code"), (code) =>
      Number.parseFloat(getComputedStyle(code).fontSize),
    ),
    images: await Promise.all(
      images.map(async (img) => ({
        src: img.getAttribute("src") ?? "",
        // offsetWidth is layout size: reveal's scale transform to the window does not change it.
        widthPx: img.offsetWidth,
        smallestTextPx: /\.svg$/.test(img.getAttribute("src") ?? "")
          ? await smallestSvgTextInPage(img.src, img.offsetWidth, img.offsetHeight)
          : undefined,
      })),
    ),
  };
}

/** The smallest diagram text on a slide, in slide pixels. */
export function smallestDiagramTextPx(sizes: SlideSizes): number | undefined {
  const drawn = sizes.images.flatMap((image) =>
    image.smallestTextPx === undefined ? [] : [image.smallestTextPx],
  );
  return drawn.length > 0 ? Math.min(...drawn) : undefined;
}
