// The layout is the curriculum: every lab has the same files in labs/ and solutions/,
// and a starter's TODOs are numbered in the order a student meets them.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { repoRoot } from "./helpers/index.ts";

const labNames = readdirSync(path.join(repoRoot, "solutions")).filter((name) =>
  /^lab\d\d-/.test(name),
);
const requiredFiles = ["README.md", "server.ts", "client/index.html", "client/main.ts"];

function filesIn(dir: string, prefix = ""): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesIn(full, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}

/** TODO numbers in the order they appear, reading the files a student works in. */
function todoNumbers(labDir: string): number[] {
  return filesIn(labDir)
    .filter((file) => /\.(ts|template)$/.test(file))
    .flatMap((file) => [...readFileSync(path.join(labDir, file), "utf8").matchAll(/TODO (\d+):/g)])
    .map((match) => Number(match[1]));
}

describe("workshop layout", () => {
  test("labs are numbered 01, 02, … without holes", () => {
    const numbers = labNames.map((name) => Number(name.slice(3, 5)));
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
  });

  test.each(labNames)("%s has the same files in labs/ and solutions/", (lab) => {
    const starter = filesIn(path.join(repoRoot, "labs", lab)).sort();
    const solution = filesIn(path.join(repoRoot, "solutions", lab)).sort();
    expect(starter, `labs/${lab} and solutions/${lab} should hold the same files`).toEqual(
      solution,
    );
    for (const file of requiredFiles) {
      expect(
        existsSync(path.join(repoRoot, "labs", lab, file)),
        `labs/${lab}/${file} is missing`,
      ).toBe(true);
    }
  });

  test.each(labNames)("%s: the starter has TODOs 1..n, each once; the solution has none", (lab) => {
    const numbers = todoNumbers(path.join(repoRoot, "labs", lab));
    expect(numbers.length, `labs/${lab} should have TODOs`).toBeGreaterThan(0);
    expect(
      [...numbers].sort((a, b) => a - b),
      `labs/${lab}: TODOs should be numbered 1..n once each`,
    ).toEqual(numbers.map((_, i) => i + 1));
    expect(
      todoNumbers(path.join(repoRoot, "solutions", lab)),
      `solutions/${lab} should have no TODO left`,
    ).toEqual([]);
  });
});

describe("counts the room will notice", () => {
  const numberWords = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
  ];
  const pages = [
    "README.md",
    "CONTRIBUTING.md",
    ...readdirSync(path.join(repoRoot, "docs"))
      .filter((name) => name.endsWith(".md"))
      .map((name) => `docs/${name}`),
  ];

  test.each(pages)("%s states no number of labs other than the labs that exist", (page) => {
    const text = readFileSync(path.join(repoRoot, page), "utf8");
    for (const [phrase, count = ""] of text.matchAll(/\b(\w+) labs\b/gi)) {
      const word = count.toLowerCase();
      const stated = /^\d+$/.test(word) ? Number(word) : numberWords.indexOf(word);
      if (stated === -1) continue;
      expect(
        stated,
        `${page} says "${phrase}" but labs/ holds ${labNames.length}: derive the count (the intro deck's <!-- labs: table -->) or drop it`,
      ).toBe(labNames.length);
    }
  });

  test("README's table of labs links every lab's exercise sheet", () => {
    const readme = readFileSync(path.join(repoRoot, "README.md"), "utf8");
    for (const lab of labNames) {
      expect(readme, `README.md's table of labs should link labs/${lab}/README.md`).toContain(
        `(labs/${lab}/README.md)`,
      );
    }
  });
});
