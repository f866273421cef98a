// What the hub knows about each lab, read from the repository itself: `ls labs` is the
// table of contents, and each README's heading and first paragraph say what the lab teaches.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export interface LabInfo {
  /** Folder name, e.g. "lab03-reconnection". */
  name: string;
  /** "lab03": what `npm test -- lab03` filters on. */
  id: string;
  number: number;
  /** The README's first heading, e.g. "Lab 03 — reconnection without losing events". */
  title: string;
  /** The README's first paragraph. */
  summary: string;
  /** The items under "What you will learn", if the README has that section. */
  learn: string[];
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

function describeLab(root: string, labDir: string, name: string): LabInfo {
  const readmePath = path.join(labDir, "README.md");
  const readme = existsSync(readmePath) ? readFileSync(readmePath, "utf8") : "";
  const lines = readme.replace(/\r\n?/g, "\n").split("\n");
  const headingAt = lines.findIndex((line) => line.startsWith("# "));
  const title = headingAt >= 0 ? (lines[headingAt] ?? "").slice(2).trim() : name;

  const summary: string[] = [];
  for (const line of lines.slice(headingAt + 1)) {
    // Machine-readable lines such as <!-- starts-from: … --> are not part of the summary.
    if (/^\s*<!--.*-->\s*$/.test(line)) continue;
    if (line.trim() === "") {
      if (summary.length > 0) break;
      continue;
    }
    if (line.startsWith("#")) break;
    summary.push(line.trim());
  }

  const learnAt = lines.findIndex((line) => /^##\s+What you (will )?learn/i.test(line));
  const learn: string[] = [];
  if (learnAt >= 0) {
    for (const line of lines.slice(learnAt + 1)) {
      const item = line.match(/^\s*[-*]\s+(.*)$/);
      if (item) learn.push(item[1] ?? "");
      else if (line.trim() !== "" || learn.length > 0) break;
    }
  }

  const deckName = name.slice("lab".length); // lab03-reconnection → 03-reconnection
  const deck = existsSync(path.join(root, "docs", `${deckName}.md`)) ? deckName : undefined;
  return {
    name,
    id: name.slice(0, "labNN".length),
    number: Number(name.slice(3, 5)),
    title,
    summary: summary.join(" "),
    learn,
    deck,
    hasPage: existsSync(path.join(labDir, "client", "index.html")),
  };
}
