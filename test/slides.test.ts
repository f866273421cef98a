// The slides build: docs pages split into slides and notes, and code read from solutions/.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  buildAllDecks,
  buildDeck,
  type Deck,
  extractRegion,
  listDeckPages,
  markBareFencesAsText,
  renderDeckPage,
  resolveCodeMarkers,
  resolveLabsMarker,
  SlideBuildError,
  splitSlides,
} from "../slides/build.ts";
import { startSlidesServer } from "../slides/server.ts";
import { onCleanup, repoRoot } from "./helpers/index.ts";

const fixtureRoot = path.join(repoRoot, "test/fixtures/slides");
const fixturePage = path.join(fixtureRoot, "docs/00-fixture.md");

/** A copy of the fixture in a temp folder, for tests that edit the code a slide shows. */
function copyOfFixture(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "slides-"));
  cpSync(fixtureRoot, dir, { recursive: true });
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function allMarkdown(deck: Deck): string {
  return deck.slides.map((slide) => slide.markdown).join("\n");
}

describe("splitting a page into slides", () => {
  it("starts a new slide at a line holding only ---, with blank lines around it", () => {
    const slides = splitSlides("# One\n\ntext\n\n---\n\n## Two\n\n---\n\n## Three\n");
    expect(slides.map((slide) => slide.markdown)).toEqual(["# One\n\ntext", "## Two", "## Three"]);
  });

  it("does not split on --- inside a code block or glued to text (a setext heading)", () => {
    const page = "## Wire\n\n```text\n\n---\n\n```\n\nHeading\n---\n\nmore";
    const slides = splitSlides(page);
    expect(slides).toHaveLength(1);
    expect(slides[0]?.markdown).toBe(page);
  });

  it("drops empty slides (a page that starts or ends with ---)", () => {
    expect(splitSlides("\n---\n\n## Only\n\n---\n\n")).toEqual([
      { markdown: "## Only", notes: "" },
    ]);
  });
});

describe("speaker notes", () => {
  it("takes a paragraph starting with Note: up to the next --- as the slide's notes", () => {
    const slides = splitSlides(
      "## SSE\n\nOne request, many events.\n\nNote: Ask who has used WebSockets.\n\nThen show curl.\n\n---\n\n## Next",
    );
    expect(slides[0]).toEqual({
      markdown: "## SSE\n\nOne request, many events.",
      notes: "Ask who has used WebSockets.\n\nThen show curl.",
    });
    expect(slides[1]).toEqual({ markdown: "## Next", notes: "" });
  });

  it("ignores Note: inside a code block or in the middle of a paragraph", () => {
    const page =
      "## Wire\n\n```text\n\nNote: shown as code\n```\n\nA sentence that wraps\nNote: still the sentence";
    expect(splitSlides(page)).toEqual([{ markdown: page, notes: "" }]);
  });
});

describe("code markers", () => {
  it("are replaced by the named region of the solution file, dedented, with its path", () => {
    const deck = buildDeck(fixturePage, fixtureRoot);
    const codeSlide = deck.slides[1]?.markdown ?? "";
    expect(codeSlide).toContain('<p class="code-caption">solutions/demo/server.ts</p>');
    expect(codeSlide).toContain(
      [
        "```typescript",
        'const greeting = "hello";',
        'if (name === "") {',
        "  return greeting;",
        "}",
        "```",
      ].join("\n"),
    );
    // The region's own marker lines, the rest of the file and the marker itself stay off the slide.
    expect(codeSlide).not.toMatch(/#region|#endregion|export function|concat|<!-- code:/);
    // The GitHub link under the marker is for readers of the page, not for the projector.
    expect(codeSlide).not.toContain("](../solutions/demo/server.ts)");
  });

  it("follow the solution: change the region and the slide changes", () => {
    const root = copyOfFixture();
    const source = path.join(root, "solutions/demo/server.ts");
    const page = path.join(root, "docs/00-fixture.md");
    expect(allMarkdown(buildDeck(page, root))).toContain('const greeting = "hello";');

    writeFileSync(source, readFileSync(source, "utf8").replace('"hello"', '"good morning"'));
    const after = allMarkdown(buildDeck(page, root));
    expect(after).toContain('const greeting = "good morning";');
    expect(after).not.toContain('"hello"');
  });

  it("fail the build, naming the page, line and marker, when the region is gone", () => {
    const root = copyOfFixture();
    const source = path.join(root, "solutions/demo/server.ts");
    writeFileSync(
      source,
      readFileSync(source, "utf8").replace("#region greeting", "#region hello"),
    );
    const build = () => buildDeck(path.join(root, "docs/00-fixture.md"), root);
    expect(build).toThrow(SlideBuildError);
    expect(build).toThrow(
      'docs/00-fixture.md:11: <!-- code: solutions/demo/server.ts#greeting --> — solutions/demo/server.ts has no region "greeting"',
    );
  });

  it("stop npm run slides from starting, so drift is caught before the class", async () => {
    const root = copyOfFixture();
    const source = path.join(root, "solutions/demo/server.ts");
    writeFileSync(
      source,
      readFileSync(source, "utf8").replace("#region greeting", "#region hello"),
    );
    await expect(
      startSlidesServer({ port: 0, docsDir: path.join(root, "docs"), root, logLevel: "silent" }),
    ).rejects.toThrow(
      '<!-- code: solutions/demo/server.ts#greeting --> — solutions/demo/server.ts has no region "greeting"',
    );
  });

  it("fail the build when the file is gone", () => {
    expect(() =>
      resolveCodeMarkers(
        "<!-- code: solutions/nope/server.ts#stream -->",
        fixtureRoot,
        "docs/x.md",
      ),
    ).toThrow(
      "docs/x.md:1: <!-- code: solutions/nope/server.ts#stream --> — no file solutions/nope/server.ts",
    );
  });

  it("can name a region nested in another; no region marker line reaches the slide", () => {
    const source = [
      "function encode() {",
      "  // #region whole",
      "  const lines = [];",
      "  // #region inner",
      "  lines.push(1);",
      "  // #endregion",
      "  return lines;",
      "  // #endregion",
      "}",
    ].join("\n");
    expect(extractRegion(source, "inner")).toBe("lines.push(1);");
    expect(extractRegion(source, "whole")).toBe("const lines = [];\nlines.push(1);\nreturn lines;");
    expect(extractRegion(source, "missing")).toBeUndefined();
  });

  it("fence the code with more backticks than it contains, so it cannot end the block", () => {
    const root = copyOfFixture();
    writeFileSync(
      path.join(root, "solutions/demo/readme.ts"),
      "// #region doc\nconst md = '```';\n// #endregion\n",
    );
    const markdown = resolveCodeMarkers("<!-- code: solutions/demo/readme.ts#doc -->", root);
    expect(markdown).toContain("````typescript\nconst md = '```';\n````");
  });
});

describe("legible code and true counts", () => {
  it("a marker may step through a long region with line highlights", () => {
    const markdown = resolveCodeMarkers(
      "<!-- code: solutions/demo/server.ts#greeting [1-2|3-4] -->",
      fixtureRoot,
    );
    expect(markdown).toContain("```typescript [1-2|3-4]\n");
  });

  it("a code block without a language is wire bytes: text, never a guessed language", () => {
    const page = "```\nGET /stream HTTP/1.1\n```\n\n```\ndata: tick at 12:00\n```\n\n```ts\nx\n```";
    expect(markBareFencesAsText(page)).toBe(
      "```text\nGET /stream HTTP/1.1\n```\n\n```text\ndata: tick at 12:00\n```\n\n```ts\nx\n```",
    );
  });

  it("<!-- labs: table --> lists the labs that exist, with their count, and no hard-coded number", () => {
    const root = mkdtempSync(path.join(tmpdir(), "labs-"));
    onCleanup(() => rmSync(root, { recursive: true, force: true }));
    for (const [name, minutes] of [
      ["lab01-one", 30],
      ["lab02-two", 45],
    ] as const) {
      mkdirSync(path.join(root, "labs", name), { recursive: true });
      writeFileSync(
        path.join(root, "labs", name, "README.md"),
        `# Lab ${name.slice(3, 5)} — ${name.slice(6)} thing\n\nSummary.\n\n**Time:** about ${minutes} min\n`,
      );
    }
    const markdown = resolveLabsMarker(
      "## The labs\n\n<!-- labs: table -->\n[list](../README.md#the-labs)\n",
      root,
    );
    expect(markdown).toContain("2 labs, each a folder in `labs/`");
    expect(markdown).toContain("| 01 | one thing | 30 min |");
    expect(markdown).toContain("| 02 | two thing | 45 min |");
    expect(markdown, "the GitHub link under the marker is dropped").not.toContain("README.md");
  });
});

describe("the deck page", () => {
  it("keeps code that contains </textarea> inside its slide", () => {
    const deck: Deck = {
      name: "x",
      title: "X",
      slides: [{ markdown: "```html\n</textarea><script>alert(1)</script>\n```", notes: "say it" }],
    };
    const html = renderDeckPage(deck);
    expect(html.match(/<\/textarea>/g)).toHaveLength(1);
    expect(html).toContain("&lt;/textarea&gt;&lt;script&gt;");
  });
});

describe("the real docs pages", () => {
  const pages = listDeckPages(path.join(repoRoot, "docs"));

  it("all build, so every code marker still names a region that exists", () => {
    expect(() => buildAllDecks(path.join(repoRoot, "docs"), repoRoot)).not.toThrow();
  });

  it("show each marked region's current lines from solutions/", () => {
    for (const page of pages) {
      const markdown = readFileSync(page, "utf8");
      const deck = allMarkdown(buildDeck(page, repoRoot));
      for (const [, file = "", region = ""] of markdown.matchAll(
        /<!-- code: (\S+?)#([\w.-]+)(?: \[[^\]]*\])? -->/g,
      )) {
        // Read the region by plain text search, independently of the build's own parser.
        const source = readFileSync(path.join(repoRoot, file), "utf8");
        const start = source.indexOf("\n", source.indexOf(`#region ${region}`));
        const lines = source.slice(start, source.indexOf("#endregion", start)).split("\n");
        const expected = lines
          .map((line) => line.trim())
          // The last piece is the comment opener of the #endregion line itself.
          .filter((line) => line !== "" && !["//", "#", "<!--"].includes(line))
          // Marker lines of nested regions never reach a slide.
          .filter((line) => !line.includes("#region"));
        expect(expected.length, `${file}#${region} is empty`).toBeGreaterThan(0);
        for (const line of expected) {
          expect(deck, `${path.basename(page)}: ${file}#${region}`).toContain(line);
        }
      }
    }
  });
});
