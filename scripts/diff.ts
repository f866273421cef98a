// npm run diff -- 3    your lab 03 (labs/) against its solution (solutions/), file by file,
//                      as a unified diff: `-` lines are yours, `+` lines the solution's.
// Portable (no `diff -r`): works the same on Windows, macOS and Linux.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { createTwoFilesPatch } from "diff";
import { findLabName, labFiles, repoRoot } from "../tools/curriculum.ts";

const root = process.env.WORKSHOP_ROOT ?? repoRoot;
const lab = findLabName(process.argv[2], root);
if (!lab) {
  console.error("Usage: npm run diff -- <lab number>, e.g. npm run diff -- 3");
  process.exit(2);
}
// `npm run diff -- 3 | head` closes the pipe early: that is not an error.
process.stdout.on("error", () => process.exit(0));
const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
const paint = (code: number, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);

const mine = path.join(root, "labs", lab);
const solution = path.join(root, "solutions", lab);
const files = [...new Set([...labFiles(mine), ...labFiles(solution)])].sort();
const read = (file: string) => (existsSync(file) ? readFileSync(file, "utf8") : "");
let differing = 0;
for (const file of files) {
  const yours = read(path.join(mine, file));
  const theirs = read(path.join(solution, file));
  if (yours === theirs) continue;
  differing += 1;
  const patch = createTwoFilesPatch(
    `labs/${lab}/${file}`,
    `solutions/${lab}/${file}`,
    yours,
    theirs,
    "yours",
    "solution",
    { context: 2 },
  );
  for (const line of patch.split("\n").slice(1)) {
    if (line.startsWith("---") || line.startsWith("+++")) console.log(paint(1, line));
    else if (line.startsWith("-")) console.log(paint(31, line));
    else if (line.startsWith("+")) console.log(paint(32, line));
    else if (line.startsWith("@@")) console.log(paint(36, line));
    else console.log(line);
  }
}
console.log(
  differing === 0
    ? `labs/${lab} is the same as solutions/${lab}.`
    : `\n${differing} file(s) differ between labs/${lab} (-) and solutions/${lab} (+).`,
);
