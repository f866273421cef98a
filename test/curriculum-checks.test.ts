// verify's curriculum guards, on a throwaway copy of labs 03 and 04 (and lab 02's solution): they pass on the real
// thing, and they catch a missing hint and a fix that did not travel forward.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { starterTodosOf } from "../tools/curriculum.ts";
import { checkCarryForward, checkHints } from "../tools/curriculum-checks.ts";
import { onCleanup, repoRoot } from "./helpers/index.ts";

const labs = ["lab03-reconnection", "lab04-reverse-proxy"];

function copyOfLabs03And04(): string {
  const root = mkdtempSync(path.join(tmpdir(), "sse-curriculum-"));
  onCleanup(() => rmSync(root, { recursive: true, force: true }));
  for (const lab of labs) {
    for (const track of ["labs", "solutions"]) {
      cpSync(path.join(repoRoot, track, lab), path.join(root, track, lab), { recursive: true });
    }
    for (const kind of ["test.ts", "browser.test.ts"]) {
      cpSync(
        path.join(repoRoot, "test", `${lab}.${kind}`),
        path.join(root, "test", `${lab}.${kind}`),
      );
    }
  }
  // Lab 03 starts from lab 02's solution.
  cpSync(
    path.join(repoRoot, "solutions", "lab02-named-events"),
    path.join(root, "solutions", "lab02-named-events"),
    {
      recursive: true,
    },
  );
  return root;
}

const edit = (file: string, change: (text: string) => string) =>
  writeFileSync(file, change(readFileSync(file, "utf8")));

describe("verify's curriculum guards", () => {
  test("labs 03 and 04 as they are: every TODO hinted and tested, lab 04 carries lab 03 forward", () => {
    const root = copyOfLabs03And04();
    expect(checkHints(root)).toEqual([]);
    expect(checkCarryForward(root)).toEqual([]);
  });

  test("a TODO without a hint in its README is reported", () => {
    const root = copyOfLabs03And04();
    edit(path.join(root, "labs", labs[1] ?? "", "README.md"), (text) =>
      text.replace("Hint for TODO 3", "Hint for the HTTP version"),
    );
    expect(checkHints(root).map((p) => p.message)).toEqual([
      expect.stringMatching(/^TODO 3 \(nginx\.conf\.template:\d+\) has no hint in README\.md/),
    ]);
  });

  test("a TODO no test title puts itself under is reported (the checklist would show it as '?')", () => {
    const root = copyOfLabs03And04();
    edit(path.join(root, "test", `${labs[1]}.test.ts`), (text) =>
      text.replaceAll('test("TODO 3 · ', 'test("'),
    );
    expect(checkHints(root).map((p) => p.message)).toEqual([
      expect.stringMatching(/^TODO 3 \(nginx\.conf\.template:\d+\) is the subject of no test/),
    ]);
  });

  test("a fix in lab 03's solution that lab 04's starter lacks is reported", () => {
    const root = copyOfLabs03And04();
    edit(path.join(root, "solutions", labs[0] ?? "", "event-history.ts"), (text) =>
      text.replace("export class", "// fixed: a comment stands for any fix\nexport class"),
    );
    expect(checkCarryForward(root).map((p) => p.message)).toEqual([
      expect.stringContaining(
        `labs/${labs[1]}/event-history.ts differs from solutions/${labs[0]}/event-history.ts in 1 place(s) with no TODO`,
      ),
    ]);
  });
});

describe("the student loop's TODO list, when a student deletes TODO comments", () => {
  const lab = labs[0] ?? "";
  const server = (root: string) => path.join(root, "labs", lab, "server.ts");
  const deleteTodo1 = (text: string) => text.replace(/^.*\/\/ TODO 1:.*\n/m, "");
  const git = (root: string, ...args: string[]) =>
    execFileSync("git", ["-c", "user.name=student", "-c", "user.email=s@example.com", ...args], {
      cwd: root,
      stdio: "ignore",
    });

  test("a deleted comment's TODO keeps its place, text and line from git's last commit", () => {
    const root = copyOfLabs03And04();
    const before = starterTodosOf(lab, root);
    git(root, "init", "-q");
    git(root, "add", "-A");
    git(root, "commit", "-qm", "the starter");
    edit(server(root), deleteTodo1);

    const after = starterTodosOf(lab, root);
    expect(before.map((todo) => todo.number)).toEqual([1, 2, 3, 4, 5]);
    expect(after.map((todo) => todo.number)).toEqual([1, 2, 3, 4, 5]);
    // TODO 1 where it was; the others where they are now (a line higher in server.ts).
    expect(after[0]).toEqual({ ...before[0], commentGone: true });
    expect(after[1]).toEqual({ ...before[1], line: (before[1]?.line ?? 0) - 1 });
  });

  test("with the deletion committed too, the TODO stays on the list with its README step", () => {
    const root = copyOfLabs03And04();
    edit(server(root), deleteTodo1);

    const todos = starterTodosOf(lab, root);
    expect(todos.map((todo) => todo.number)).toEqual([1, 2, 3, 4, 5]);
    expect(todos[0]).toEqual({
      number: 1,
      text: "give every frame its `id:`.",
      file: "server.ts",
      line: 0,
      commentGone: true,
    });
  });
});
