// Turns the instructor's docs pages (docs/NN-*.md) into reveal.js decks.
// One page is one deck. The page format, shared with the docs writers:
//   - a line holding only `---`, with blank lines around it, starts a new slide;
//   - a paragraph starting with `Note:` (up to the next `---`) is the speaker notes;
//   - `<!-- code: solutions/lab01-first-stream/server.ts#stream -->` becomes the code between
//     `// #region stream` and `// #endregion` in that file, read now, so slides never drift
//     from the tested solution. A GitHub link on the next line is for readers of the page,
//     not for the projector, and is dropped. A region too long for one screen steps through
//     its lines with reveal's line highlights: `<!-- code: …/server.ts#stream [1-6|8-13] -->`;
//   - a code block without a language is wire bytes, shown as plain text (never guessed).
// Everything here is a pure function of the files it reads, so the unit tests can check it.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { listLabs } from "../hub/labs.ts";
import { escapeHtml } from "../hub/markdown.ts";

export interface Slide {
  /** Markdown shown on the slide. */
  markdown: string;
  /** Markdown for the speaker view (empty when the slide has none). */
  notes: string;
}

export interface Deck {
  /** File name without .md, e.g. "01-first-stream"; also the page name, 01-first-stream.html. */
  name: string;
  /** The first `# ` heading of the page. */
  title: string;
  slides: Slide[];
}

/** Thrown when a docs page cannot become a deck; the message names the page, line and marker. */
export class SlideBuildError extends Error {
  override name = "SlideBuildError";
}

const fenceOpening = /^\s*(`{3,}|~{3,})/;
const codeMarker = /^\s*<!--\s*code:\s*([^#\s]+)(?:#([\w.-]+))?(?:\s+(\[[\d\s,|-]+\]))?\s*-->\s*$/;

/**
 * Walk lines and report, for each, whether it sits inside a fenced code block, so that a
 * `---` or `Note:` shown as example text inside code never splits a slide.
 */
function markFencedLines(lines: string[]): boolean[] {
  const inside: boolean[] = [];
  let openFence: string | undefined;
  for (const line of lines) {
    const fence = fenceOpening.exec(line)?.[1];
    if (openFence === undefined) {
      inside.push(fence !== undefined);
      if (fence) openFence = fence;
    } else {
      inside.push(true);
      // A fence closes with at least as many of the same characters and nothing else.
      const closing = line.trim();
      if (closing.startsWith(openFence) && /^(`+|~+)$/.test(closing)) openFence = undefined;
    }
  }
  return inside;
}

/** Split one page into slides and their speaker notes. */
export function splitSlides(markdown: string): Slide[] {
  const lines = markdown.replace(/\r\n/g, "\n").split("\n");
  const fenced = markFencedLines(lines);
  const chunks: string[][] = [[]];
  lines.forEach((line, index) => {
    const isSeparator =
      !fenced[index] &&
      line.trim() === "---" &&
      (lines[index - 1] ?? "").trim() === "" &&
      (lines[index + 1] ?? "").trim() === "";
    if (isSeparator) chunks.push([]);
    else chunks.at(-1)?.push(line);
  });

  return chunks
    .map((chunk) => {
      const fencedInChunk = markFencedLines(chunk);
      // Notes start at a paragraph (line after a blank line, or the first line) beginning `Note:`.
      const notesStart = chunk.findIndex(
        (line, index) =>
          !fencedInChunk[index] &&
          /^Note:/.test(line) &&
          (index === 0 || (chunk[index - 1] ?? "").trim() === ""),
      );
      if (notesStart === -1) return { markdown: chunk.join("\n").trim(), notes: "" };
      const notesLines = chunk.slice(notesStart);
      notesLines[0] = (notesLines[0] ?? "").replace(/^Note:\s*/, "");
      return {
        markdown: chunk.slice(0, notesStart).join("\n").trim(),
        notes: notesLines.join("\n").trim(),
      };
    })
    .filter((slide) => slide.markdown !== "" || slide.notes !== "");
}

const languageByExtension: Record<string, string> = {
  ".ts": "typescript",
  ".js": "javascript",
  ".mjs": "javascript",
  ".html": "html",
  ".css": "css",
  ".json": "json",
  ".yml": "yaml",
  ".yaml": "yaml",
  ".sh": "bash",
  ".conf": "nginx",
  ".template": "nginx",
};

function languageOf(file: string): string {
  return languageByExtension[path.extname(file)] ?? "plaintext";
}

// Region markers in any comment style the labs use: `// #region x`, `# #region x`, `<!-- #region x -->`.
const regionStart = /^\s*(?:\/\/|#|<!--|\/\*)\s*#region\b\s*([\w.-]*)/;
const regionEnd = /^\s*(?:\/\/|#|<!--|\/\*)\s*#endregion\b/;

/** Remove the indentation every non-blank line shares, so a region from inside a function starts at column 0. */
function dedent(lines: string[]): string[] {
  const indents = lines
    .filter((line) => line.trim() !== "")
    .map((line) => /^[ \t]*/.exec(line)?.[0].length ?? 0);
  const common = indents.length > 0 ? Math.min(...indents) : 0;
  return lines.map((line) => line.slice(common));
}

/**
 * The lines of `region` in `source` (without its marker lines, nor those of nested regions),
 * or the whole file when no region is named. Undefined when the region is not there.
 */
export function extractRegion(source: string, region: string | undefined): string | undefined {
  const lines = source.replace(/\r\n/g, "\n").split("\n");
  let body: string[];
  if (region === undefined) {
    body = lines;
  } else {
    const start = lines.findIndex((line) => regionStart.exec(line)?.[1] === region);
    if (start === -1) return undefined;
    body = [];
    let depth = 1;
    for (const line of lines.slice(start + 1)) {
      if (regionStart.test(line)) depth += 1;
      else if (regionEnd.test(line)) depth -= 1;
      if (depth === 0) break;
      body.push(line);
    }
    if (depth !== 0) return undefined;
  }
  const kept = body.filter((line) => !regionStart.test(line) && !regionEnd.test(line));
  while (kept.length > 0 && kept[0]?.trim() === "") kept.shift();
  while (kept.length > 0 && kept.at(-1)?.trim() === "") kept.pop();
  return dedent(kept).join("\n");
}

/** Is this line only a link (markdown or bare) to `file`, like the GitHub link under a marker? */
function isLinkTo(line: string, file: string): boolean {
  const target =
    /^\s*\[[^\]]*\]\(([^)\s]+)[^)]*\)\s*$/.exec(line)?.[1] ??
    /^\s*<?(https?:\/\/\S+?)>?\s*$/.exec(line)?.[1];
  return target?.includes(file) ?? false;
}

/**
 * Replace every code marker with a fenced block read from the file it names (paths are
 * relative to `root`, the repository). A missing file or region throws, naming the marker,
 * so a renamed region fails the build instead of leaving a stale slide.
 */
export function resolveCodeMarkers(markdown: string, root: string, page = "(page)"): string {
  const lines = markdown.replace(/\r\n/g, "\n").split("\n");
  const fenced = markFencedLines(lines);
  const out: string[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] ?? "";
    const marker = fenced[index] ? null : codeMarker.exec(line);
    if (!marker) {
      out.push(line);
      continue;
    }
    const [, file = "", region, steps] = marker;
    const where = `${page}:${index + 1}: ${line.trim()}`;
    const absolute = path.resolve(root, file);
    if (!existsSync(absolute)) throw new SlideBuildError(`${where} — no file ${file}`);
    const code = extractRegion(readFileSync(absolute, "utf8"), region);
    if (code === undefined) {
      throw new SlideBuildError(
        `${where} — ${file} has no region "${region}" (expected a "#region ${region}" line and its "#endregion")`,
      );
    }
    // A longer fence than any backtick run in the code, so the code cannot close it early.
    const longestRun = Math.max(2, ...(code.match(/`+/g) ?? []).map((run) => run.length));
    const fence = "`".repeat(longestRun + 1);
    const info = steps ? `${languageOf(file)} ${steps}` : languageOf(file);
    out.push(`<p class="code-caption">${file}</p>`, "", `${fence}${info}`, code, fence);
    if (isLinkTo(lines[index + 1] ?? "", file)) index += 1;
  }
  return out.join("\n");
}

/**
 * A fence with no language holds wire bytes (or a terminal): mark it `text`, or the
 * highlighter guesses a language and colours `tick at 12:00` as assembly.
 */
export function markBareFencesAsText(markdown: string): string {
  let openFence: string | undefined;
  return markdown
    .split("\n")
    .map((line) => {
      const trimmed = line.trim();
      if (openFence !== undefined) {
        if (trimmed.startsWith(openFence) && /^(`+|~+)$/.test(trimmed)) openFence = undefined;
        return line;
      }
      const fence = fenceOpening.exec(line)?.[1];
      if (fence === undefined) return line;
      openFence = fence;
      return trimmed === fence ? `${line.trimEnd()}text` : line;
    })
    .join("\n");
}

const labsMarker = /^\s*<!--\s*labs:\s*table\s*-->\s*$/;

/**
 * Replace `<!-- labs: table -->` with a table of the labs that exist in `root`/labs, read from
 * their READMEs, and the count in words: a deck never says "ten labs" while six exist.
 * A line under the marker that only links to the README (for GitHub readers) is dropped.
 */
export function resolveLabsMarker(markdown: string, root: string): string {
  const lines = markdown.split("\n");
  const at = lines.findIndex((line) => labsMarker.test(line));
  if (at === -1) return markdown;
  const labs = listLabs(root);
  const rows = labs.map((lab) => {
    const title = lab.title.replace(/^Lab\s+\d+\s*[—–-]\s*/, "");
    const time = lab.minutes ? `${lab.minutes} min` : "";
    return `| ${String(lab.number).padStart(2, "0")} | ${title} | ${time} |`;
  });
  const table = [
    `${labs.length} labs, each a folder in \`labs/\`:`,
    "",
    "| Lab | You build | Time |",
    "| --- | --- | --- |",
    ...rows,
  ];
  const skip = isLinkTo(lines[at + 1] ?? "", "README.md") ? 2 : 1;
  return [...lines.slice(0, at), ...table, ...lines.slice(at + skip)].join("\n");
}

/** Build one deck from a docs page. */
export function buildDeck(pageFile: string, root: string): Deck {
  const markdown = readFileSync(pageFile, "utf8");
  const page = path.relative(root, pageFile) || pageFile;
  const resolved = resolveLabsMarker(resolveCodeMarkers(markdown, root, page), root);
  const slides = splitSlides(markBareFencesAsText(resolved));
  const title = /^#\s+(.+)$/m.exec(markdown)?.[1]?.trim() ?? path.basename(pageFile, ".md");
  return { name: path.basename(pageFile, ".md"), title, slides };
}

/** The pages that are decks but not part of the course, shown after it. */
const extraDecks = ["instructor.md"];

/** The docs pages that become decks, in course order: 00-intro.md, 01-….md, …, then instructor.md. */
export function listDeckPages(docsDir: string): string[] {
  if (!existsSync(docsDir)) return [];
  const names = readdirSync(docsDir);
  return [
    ...names.filter((name) => /^\d\d-.+\.md$/.test(name)).sort(),
    ...extraDecks.filter((name) => names.includes(name)),
  ].map((name) => path.join(docsDir, name));
}

export function buildAllDecks(docsDir: string, root: string): Deck[] {
  return listDeckPages(docsDir).map((page) => buildDeck(page, root));
}

// We split slides and notes ourselves (above); these tell reveal's markdown plugin never to
// split again: `^\b$` cannot match any line, and the notes marker is one only we write.
const noSplit = "^\\b$";
const notesMarker = "<!-- speaker-notes -->";

function slideSection(slide: Slide): string {
  const text = slide.notes
    ? `${slide.markdown}\n\n${notesMarker}\n\n${slide.notes}`
    : slide.markdown;
  // A textarea's content is read back as text, so escaping < and & keeps any HTML in the
  // markdown (and any `</textarea>` in code) from ending it early.
  return [
    `<section data-markdown data-separator="${noSplit}" data-separator-notes="${escapeHtml(`^${notesMarker}$`)}">`,
    `<textarea data-template>\n${escapeHtml(text)}\n</textarea>`,
    "</section>",
  ].join("\n");
}

/** The HTML page of one deck; slides/deck.ts starts reveal.js on it. */
export function renderDeckPage(deck: Deck): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(deck.title)} — slides</title>
</head>
<body>
<div class="reveal">
<div class="slides">
${deck.slides.map(slideSection).join("\n")}
</div>
</div>
<script type="module" src="/deck.ts"></script>
</body>
</html>
`;
}

/** The index page: every deck, in course order. */
export function renderIndexPage(decks: Deck[]): string {
  const items = decks
    .map(
      (deck) =>
        `<li><a href="/${deck.name}.html">${escapeHtml(deck.title)}</a> <span>${deck.slides.length} slides</span></li>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>Workshop slides</title>
<link rel="stylesheet" href="/index.css">
</head>
<body>
<main>
<h1>Workshop slides</h1>
<ol class="decks">
${items || "<li>No docs/NN-*.md pages yet.</li>"}
</ol>
<p>In a deck: arrows move, <kbd>S</kbd> opens the speaker view with notes, <kbd>F</kbd> goes full screen, <kbd>Esc</kbd> shows every slide.</p>
</main>
</body>
</html>
`;
}
