// What the hub knows about each lab, read from the repository itself: `ls labs` is the
// table of contents, and each README's heading and first paragraph say what the lab teaches.
// The README is read with marked's lexer, so a bullet that wraps onto a second line is still
// one bullet, as on GitHub.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Token, Tokens } from "marked";
import { lexMarkdown } from "./markdown.ts";

export interface LabInfo {
  /** Folder name, e.g. "lab03-reconnection". */
  name: string;
  /** "lab03": what `npm test -- lab03` filters on. */
  id: string;
  number: number;
  /** The README's first heading, e.g. "Lab 03 — reconnection without losing events". */
  title: string;
  /** The README's first paragraph (Markdown). */
  summary: string;
  /** The items under "What you will learn" (Markdown, one per bullet), if the README has that section. */
  learn: string[];
  /** From the README's `**Time:** about 45 min` line: the minutes a lab takes in class. */
  minutes: number | undefined;
  /** Slide deck name (docs/<deck>.md), if one exists, e.g. "03-reconnection". */
  deck: string | undefined;
  hasPage: boolean;
}

export function listLabs(root: string, track: "labs" | "solutions" = "labs"): LabInfo[] {
  const dir = path.join(root, track);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /^lab\d\d-/.test(name))
    .sort()
    .map((name) => describeLab(root, path.join(dir, name), name));
}

/** Markdown of a list item without the nested lists' own text glued onto it. */
function itemMarkdown(item: Tokens.ListItem): string {
  return item.text.replace(/\s*\n\s*/g, " ").trim();
}

/** `**Time:** about 45 min` (or `about 1 h 30 min`) → minutes. */
export function readMinutes(readme: string): number | undefined {
  const line = /^\*\*Time:\*\*\s*(?:about\s*)?(.+)$/im.exec(readme)?.[1];
  if (!line) return undefined;
  const hours = Number(/(\d+)\s*h/.exec(line)?.[1] ?? 0);
  const minutes = Number(/(\d+)\s*min/.exec(line)?.[1] ?? 0);
  return hours * 60 + minutes || undefined;
}

export function describeReadme(readme: string, fallbackTitle: string) {
  const tokens: Token[] = lexMarkdown(readme);
  const headingAt = tokens.findIndex((token) => token.type === "heading" && token.depth === 1);
  const title = headingAt >= 0 ? (tokens[headingAt] as Tokens.Heading).text.trim() : fallbackTitle;
  const afterHeading = tokens.slice(headingAt + 1);
  // The summary is the first paragraph of prose: not the `**Time:**` line, wherever it sits.
  const firstParagraph = afterHeading.find(
    (token): token is Tokens.Paragraph =>
      token.type === "paragraph" && !/^\*\*Time:\*\*/.test(token.text),
  );
  const beforeNextHeading = afterHeading.findIndex((token) => token.type === "heading");
  const summary =
    firstParagraph && afterHeading.indexOf(firstParagraph) < beforeNextHeading
      ? firstParagraph.text.replace(/\s*\n\s*/g, " ").trim()
      : "";

  const learnAt = tokens.findIndex(
    (token) => token.type === "heading" && /^What you (will )?learn/i.test(token.text),
  );
  const learnList =
    learnAt >= 0
      ? tokens.slice(learnAt + 1).find((token) => token.type === "list" || token.type === "heading")
      : undefined;
  const learn =
    learnList?.type === "list" ? (learnList as Tokens.List).items.map(itemMarkdown) : [];
  return { title, summary, learn, minutes: readMinutes(readme) };
}

function describeLab(root: string, labDir: string, name: string): LabInfo {
  const readmePath = path.join(labDir, "README.md");
  const readme = existsSync(readmePath) ? readFileSync(readmePath, "utf8") : "";
  const deckName = name.slice("lab".length); // lab03-reconnection → 03-reconnection
  const deck = existsSync(path.join(root, "docs", `${deckName}.md`)) ? deckName : undefined;
  return {
    name,
    id: name.slice(0, "labNN".length),
    number: Number(name.slice(3, 5)),
    ...describeReadme(readme, name),
    deck,
    hasPage: existsSync(path.join(labDir, "client", "index.html")),
  };
}
