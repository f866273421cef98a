// The guards verify runs over the curriculum itself (no test needs to start for them):
// 1. every TODO n in a starter has a hint in its README that names TODO n, and a test message
//    that names it (`labNN TODO n`);
// 2. carry-forward: a starter's files copied from the solution its README names
//    (`<!-- starts-from: lab04-reverse-proxy -->`, default: the lab before) are identical to it
//    except where a TODO is, or where the README declares a change:
//    `<!-- changed: server.ts, client/main.ts -->`. So a fix made in one lab cannot silently
//    miss its copies.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { diffLines } from "diff";
import { hintsOf, labFiles, labNames, startsFromOf, todosInTitle, todosOf } from "./curriculum.ts";

export interface Problem {
  lab: string;
  message: string;
}

/** `<!-- changed: a.ts, client/main.ts -->`: files that differ on purpose from the lab it starts from. */
export function declaredChanges(readme: string): string[] {
  return [...readme.matchAll(/<!--\s*changed:\s*([^>]*?)\s*-->/g)].flatMap((match) =>
    (match[1] ?? "")
      .split(",")
      .map((name) => name.trim())
      .filter(Boolean),
  );
}

function matchesDeclared(file: string, declared: string[]): boolean {
  return declared.some((pattern) =>
    pattern.endsWith("/*") ? file.startsWith(pattern.slice(0, -1)) : file === pattern,
  );
}

/** The text of every test file of a lab (`test/labNN-*.ts`). */
function labTestTexts(root: string, labId: string): string[] {
  const testDir = path.join(root, "test");
  if (!existsSync(testDir)) return [];
  return readdirSync(testDir)
    .filter((file) => file.startsWith(`${labId}-`) && file.endsWith(".ts"))
    .map((file) => readFileSync(path.join(testDir, file), "utf8"));
}

/** Every TODO a test title of the lab puts itself under (`test("TODO 3, 4 · …"`). */
function todosNamedInTitles(root: string, labId: string): Set<number> {
  const named = new Set<number>();
  for (const text of labTestTexts(root, labId))
    for (const match of text.matchAll(/["'`](TODOs? [\d\s,&and]+?\s*·)/g))
      for (const n of todosInTitle(match[1] ?? "")) named.add(n);
  return named;
}

/** Every `labNN TODO n` (and `labNN TODO n/TODO m`) in the lab's test files. */
function todosNamedInTests(root: string, labId: string): Set<number> {
  const named = new Set<number>();
  for (const text of labTestTexts(root, labId)) {
    for (const match of text.matchAll(
      new RegExp(`${labId} TODOs? (\\d+(?:\\s*(?:/|,|and)\\s*(?:TODO )?\\d+)*)`, "g"),
    )) {
      for (const n of (match[1] ?? "").matchAll(/\d+/g)) named.add(Number(n[0]));
    }
  }
  return named;
}

export function checkHints(root: string): Problem[] {
  const problems: Problem[] = [];
  for (const lab of labNames("labs", root)) {
    const readme = readFileSync(path.join(root, "labs", lab, "README.md"), "utf8");
    const hinted = new Set(hintsOf(readme).flatMap((hint) => hint.numbers));
    const tested = todosNamedInTests(root, lab.slice(0, 5));
    // The checklist files a passing test under its title's TODO: a TODO no title names is
    // shown as "?" even when it is done.
    const titled = todosNamedInTitles(root, lab.slice(0, 5));
    for (const todo of todosOf(path.join(root, "labs", lab))) {
      const where = `${todo.file}:${todo.line}`;
      if (!hinted.has(todo.number)) {
        problems.push({
          lab,
          message: `TODO ${todo.number} (${where}) has no hint in README.md: add <details><summary>Hint for TODO ${todo.number}: …</summary>`,
        });
      }
      if (!titled.has(todo.number)) {
        problems.push({
          lab,
          message: `TODO ${todo.number} (${where}) is the subject of no test: title one "TODO ${todo.number} · …" (or "TODO ${todo.number}, ${todo.number + 1} · …")`,
        });
      }
      if (!tested.has(todo.number)) {
        problems.push({
          lab,
          message: `TODO ${todo.number} (${where}) is named by no test message: "${lab.slice(0, 5)} TODO ${todo.number}: …"`,
        });
      }
    }
  }
  return problems;
}

/** A hunk of change is a TODO's if the starter's side of it holds a `TODO n` marker. */
function untodoedChanges(copied: string, starter: string): number {
  let count = 0;
  // `// #region name` markers are for the slides and live in solutions only.
  const withoutRegions = (text: string) =>
    text.replace(/^[ \t]*(?:\/\/|#|<!--)[ \t]*#(?:end)?region\b.*\n/gm, "");
  const parts = diffLines(withoutRegions(copied), withoutRegions(starter));
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (!part || (!part.added && !part.removed)) continue;
    // A removed run followed by an added run is one change: look at both sides together.
    const next = parts[i + 1];
    const pair = part.removed && next?.added ? [part, next] : [part];
    if (pair.length === 2) i++;
    const starterSide = pair
      .filter((p) => p.added)
      .map((p) => p.value)
      .join("");
    if (!/TODO \d+/.test(starterSide)) count++;
  }
  return count;
}

export function checkCarryForward(root: string): Problem[] {
  const problems: Problem[] = [];
  const labs = labNames("labs", root);
  const solutions = labNames("solutions", root);
  labs.forEach((lab, index) => {
    const readme = readFileSync(path.join(root, "labs", lab, "README.md"), "utf8");
    const marker = startsFromOf(readme);
    if (marker === undefined) {
      problems.push({
        lab,
        message: `README.md has no <!-- starts-from: labNN-name --> (or <!-- starts-from: none -->) under its heading`,
      });
    }
    const from = marker ?? (index > 0 ? labs[index - 1] : "none");
    const mine = labFiles(path.join(root, "labs", lab));
    const theirs = labFiles(path.join(root, "solutions", lab));
    const missing = [
      ...mine.filter((f) => !theirs.includes(f)),
      ...theirs.filter((f) => !mine.includes(f)),
    ];
    if (missing.length > 0) {
      problems.push({
        lab,
        message: `labs/ and solutions/ should hold the same files; only in one: ${missing.join(", ")}`,
      });
    }
    if (!from || from === "none") return;
    if (!solutions.includes(from)) {
      problems.push({ lab, message: `starts-from names ${from}, which is not in solutions/` });
      return;
    }
    const declared = declaredChanges(readme);
    for (const file of mine) {
      if (file === "README.md" || matchesDeclared(file, declared)) continue;
      const source = path.join(root, "solutions", from, file);
      if (!existsSync(source)) continue; // a new file of this lab
      const count = untodoedChanges(
        readFileSync(source, "utf8"),
        readFileSync(path.join(root, "labs", lab, file), "utf8"),
      );
      if (count > 0) {
        problems.push({
          lab,
          message: `labs/${lab}/${file} differs from solutions/${from}/${file} in ${count} place(s) with no TODO: bring the change over, or declare it in README.md: <!-- changed: ${file} -->`,
        });
      }
    }
  });
  return problems;
}
