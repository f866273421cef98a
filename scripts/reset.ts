// npm run reset -- 3                  put lab 03's starter back (as in your last commit, HEAD)
// npm run reset -- 3 --from main      …as in another git revision (if you committed your work)
// Your version is kept first, in .workshop/saved/<lab>-<date and time>/ (the path is printed),
// so nothing you wrote is lost: copy back what you need from there.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { findLabName, labFiles, repoRoot } from "../tools/curriculum.ts";

const root = process.env.WORKSHOP_ROOT ?? repoRoot;
const args = process.argv.slice(2);
const fromAt = args.indexOf("--from");
const revision = fromAt >= 0 ? (args[fromAt + 1] ?? "HEAD") : "HEAD";
const lab = findLabName(
  args.find((arg, i) => !arg.startsWith("-") && (fromAt < 0 || i !== fromAt + 1)),
  root,
);
if (!lab) {
  console.error(
    "Usage: npm run reset -- <lab number> [--from <git revision>], e.g. npm run reset -- 3",
  );
  process.exit(2);
}

function git(...gitArgs: string[]) {
  const result = spawnSync("git", gitArgs, { cwd: root, encoding: "buffer" });
  if (result.error) {
    console.error("reset needs git (https://git-scm.com/downloads) and a clone of the workshop.");
    process.exit(1);
  }
  return result;
}

const folder = `labs/${lab}`;
const listed = git("ls-tree", "-r", "--name-only", revision, "--", folder);
const starterFiles = listed.stdout.toString().split("\n").filter(Boolean);
if (listed.status !== 0 || starterFiles.length === 0) {
  console.error(`git has no ${folder} at ${revision}: ${listed.stderr.toString().trim()}`);
  process.exit(1);
}

// 1. Keep the student's version.
const labDir = path.join(root, folder);
const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
const saved = path.join(root, ".workshop", "saved", `${lab}-${stamp}`);
if (existsSync(labDir) && labFiles(labDir).length > 0) {
  mkdirSync(path.dirname(saved), { recursive: true });
  cpSync(labDir, saved, { recursive: true });
}

// 2. The starter, file by file, from git; files git does not know go (they are in the copy).
for (const file of labFiles(labDir)) {
  if (!starterFiles.includes(`${folder}/${file}`)) rmSync(path.join(labDir, file));
}
for (const file of starterFiles) {
  const content = git("show", `${revision}:${file}`);
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), content.stdout);
}

console.log(`${folder} is the starter again (from git ${revision}).`);
if (existsSync(saved))
  console.log(`Your version is saved in ${path.relative(process.cwd(), saved) || saved}`);
console.log(`Next: npm test -- ${lab.slice(0, 5)}`);
