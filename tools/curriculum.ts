// What the repository says about its labs, read from the files themselves: the numbered
// `TODO n:` markers in a starter, the hints in its README, the lab it starts from.
// Used by the focused test reporter, by verify's guards and by the student commands.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export type Track = "labs" | "solutions";

/** The track this process checks: solutions/ when WORKSHOP_TRACK=solutions, else labs/. */
export function currentTrack(): Track {
  return process.env.WORKSHOP_TRACK === "solutions" ? "solutions" : "labs";
}

/**
 * The folder of the current track. The tests of the student loop itself point it at a
 * throwaway copy inside the repository (so its imports still find node_modules):
 * WORKSHOP_TRACK_DIR.
 */
export function currentTrackDir(): string {
  return process.env.WORKSHOP_TRACK_DIR ?? path.join(repoRoot, currentTrack());
}

/** Folder names of every lab in a track, in order: lab01-first-stream, lab02-named-events, … */
export function labNames(track: Track = "labs", root = repoRoot): string[] {
  const dir = path.join(root, track);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /^lab\d\d-/.test(name))
    .sort();
}

/**
 * The lab a student means by "3", "03", "lab03" or "lab03-reconnection"; undefined if none.
 * Solutions hold every lab, so they are the list to look in.
 */
export function findLabName(which: string | undefined, root = repoRoot): string | undefined {
  const match = String(which ?? "").match(/^(?:lab)?(\d{1,2})(?:-.*)?$/);
  if (!match) return undefined;
  const prefix = `lab${(match[1] ?? "").padStart(2, "0")}-`;
  const names = [...new Set([...labNames("solutions", root), ...labNames("labs", root)])];
  return names.find((name) => name.startsWith(prefix));
}

/**
 * A lab whose tests start nginx or Redis. Their files run one after the other: timing checks
 * (buffering, heartbeats) stay honest when they do not compete for the CPU.
 */
export function usesNginxOrRedis(labDir: string): boolean {
  return (
    existsSync(path.join(labDir, "nginx.conf.template")) ||
    existsSync(path.join(labDir, "redis-broker.ts"))
  );
}

/** Every file of a lab folder, relative to it, in a stable order (no node_modules, no dotfiles). */
export function labFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(path.join(dir, relative)).sort()) {
      if (entry.startsWith(".") || entry === "node_modules") continue;
      const inner = path.join(relative, entry);
      if (statSync(path.join(dir, inner)).isDirectory()) walk(inner);
      else files.push(inner.split(path.sep).join("/"));
    }
  };
  if (existsSync(dir)) walk("");
  return files;
}

export interface Todo {
  number: number;
  /** The sentence after `TODO n:` (its first line). */
  text: string;
  /** Relative to the lab folder, e.g. "server.ts". */
  file: string;
  line: number;
  /** The student deleted its comment: `line` is where it was in the starter (0: unknown). */
  commentGone?: boolean;
}

const todoMarker = /(?:\/\/|#|<!--|\/\*|\*)\s*TODO (\d+):\s*(.*?)\s*(?:-->|\*\/)?$/;

/** The numbered TODOs of a lab folder (the starter), by number; the first marker of a number wins. */
export function todosOf(labDir: string): Todo[] {
  return todosIn(
    labFiles(labDir)
      .filter((file) => file !== "README.md")
      .map((file) => ({ file, text: readFileSync(path.join(labDir, file), "utf8") })),
  );
}

/** The `TODO n:` markers in some files' texts, by number; the first marker of a number wins. */
function todosIn(files: { file: string; text: string }[]): Todo[] {
  const todos = new Map<number, Todo>();
  for (const { file, text: content } of files) {
    const lines = content.split(/\r?\n/);
    lines.forEach((text, index) => {
      const match = text.match(todoMarker);
      if (!match) return;
      const number = Number(match[1]);
      if (todos.has(number)) return;
      // The sentence may go on over the next comment lines, up to the next marker or code.
      const parts = [match[2] ?? ""];
      for (const next of lines.slice(index + 1)) {
        const more = next.match(/^\s*(?:\/\/|#|\*)\s?(.*)$/);
        if (!more || todoMarker.test(next) || (more[1] ?? "").trim() === "") break;
        parts.push((more[1] ?? "").trim());
      }
      todos.set(number, { number, text: parts.join(" "), file, line: index + 1 });
    });
  }
  return [...todos.values()].sort((a, b) => a.number - b.number);
}

/**
 * A lab's TODOs as its starter gave them, for the student loop's checklist. Students delete a
 * `TODO n:` comment once they have done it, and the TODO must stay on the list (done or not).
 * So: the markers still in labs/<lab>/; for a TODO the README's hints name whose marker is gone,
 * the marker in git's last commit of the starter (its text and where it was); failing that
 * (the student committed the deletion, or there is no git), the README's step for it.
 */
export function starterTodosOf(lab: string, root = repoRoot): Todo[] {
  const labDir = path.join(root, "labs", lab);
  const todos = new Map(todosOf(labDir).map((todo) => [todo.number, todo]));
  const readme = readmeOf(lab, "labs", root);
  const hinted = hintsOf(readme).flatMap((hint) => hint.numbers);
  const gone = [...new Set(hinted)].filter((n) => !todos.has(n));
  if (gone.length === 0) return [...todos.values()];
  const committed = committedTodosOf(labDir);
  for (const number of gone) {
    const before = committed.find((todo) => todo.number === number);
    todos.set(
      number,
      before
        ? { ...before, commentGone: true }
        : { number, ...readmeStepOf(readme, number), line: 0, commentGone: true },
    );
  }
  return [...todos.values()].sort((a, b) => a.number - b.number);
}

/**
 * What a README's list of steps says of TODO n: `1. **TODO 1** (\`server.ts\`) — give every
 * frame its id.` → the sentence, and the file when the step names one.
 */
function readmeStepOf(readme: string, number: number): { text: string; file: string } {
  const step =
    readme.match(new RegExp(`^\\s*\\d+\\.\\s+\\*\\*TODO ${number}\\*\\*(.*)$`, "m"))?.[1] ?? "";
  return {
    text: step.replace(/^[^—]*—\s*/, "").trim() || `TODO ${number} in the README`,
    file: step.match(/^\s*\(`([\w./-]+\.\w+)`/)?.[1] ?? "",
  };
}

/** The TODO markers of a lab folder as git's last commit has them; [] without git. */
function committedTodosOf(labDir: string): Todo[] {
  const git = (args: string[]) =>
    execFileSync("git", args, {
      cwd: labDir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
  try {
    const files = git(["ls-tree", "-r", "--name-only", "HEAD", "."])
      .split("\n")
      .filter((file) => file !== "" && file !== "README.md");
    return todosIn(files.map((file) => ({ file, text: git(["show", `HEAD:./${file}`]) })));
  } catch {
    return [];
  }
}

export interface Hint {
  /** The TODOs the hint names: "Hint for TODO 3" → [3], "Hint for TODOs 2 and 4" → [2, 4]. */
  numbers: number[];
  summary: string;
  line: number;
}

/** `<details><summary>Hint for TODO n…</summary>` blocks in a README. */
export function hintsOf(readme: string): Hint[] {
  const hints: Hint[] = [];
  readme.split(/\r?\n/).forEach((text, index) => {
    for (const match of text.matchAll(/<summary>(.*?)<\/summary>/g)) {
      const summary = (match[1] ?? "").replace(/<[^>]+>/g, "").trim();
      const names = summary.match(/^Hint for TODOs? ([\d\s,&]*(?:and\s+\d+)?)/)?.[1];
      if (!names) continue;
      const numbers = [...names.matchAll(/\d+/g)].map((n) => Number(n[0]));
      hints.push({ numbers, summary, line: index + 1 });
    }
  });
  return hints;
}

/**
 * The lab a starter copies, from `<!-- starts-from: lab04-reverse-proxy -->` under the README's
 * heading: a lab name, "none" (new code), or undefined when the README has no such line.
 */
export function startsFromOf(readme: string): string | undefined {
  return readme.match(/<!--\s*starts-from:\s*([\w-]+)\s*-->/)?.[1];
}

/** The README of a lab in a track, or "" when there is none. */
export function readmeOf(lab: string, track: Track = "labs", root = repoRoot): string {
  const file = path.join(root, track, lab, "README.md");
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}

/** "TODO 3 · …" → [3]; "TODO 1, 2 · …" → [1, 2]; a plain title → []. */
export function todosInTitle(title: string): number[] {
  const head = title.match(/^TODOs? ([\d\s,&and]+?)\s*·/)?.[1];
  return head ? [...head.matchAll(/\d+/g)].map((n) => Number(n[0])) : [];
}

/**
 * The TODO a failed test goes under on the checklist: the one its message blames first (so a
 * test can blame an earlier TODO it depends on), else its title's first.
 */
export function todoOfFailure(message: string, title: string, labId: string): number | undefined {
  return todoBlamedIn(message, labId) ?? todosInTitle(title)[0];
}

/** The first `labNN TODO n` (or `labNN TODO n/TODO m`) a failure message names, for this lab. */
export function todoBlamedIn(message: string, labId: string): number | undefined {
  const match = message.match(new RegExp(`${labId} TODO (\\d+)`));
  return match ? Number(match[1]) : undefined;
}
