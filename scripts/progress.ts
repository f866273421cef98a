// npm run progress    which labs your code passes, as recorded by each `npm test -- labNN`
//                     (the same file the hub, `npm start`, reads: .workshop/progress.json).
import path from "node:path";
import { labNames, repoRoot } from "../tools/curriculum.ts";
import { readProgress } from "../tools/progress-reporter.ts";

const root = process.env.WORKSHOP_ROOT ?? repoRoot;
const progress = readProgress(path.join(root, ".workshop", "progress.json"));
const labs = labNames("labs", root);
let passing = 0;
for (const lab of labs) {
  const id = lab.slice(0, 5);
  const run = progress[id];
  if (run?.status === "pass") passing += 1;
  const status = !run
    ? "·  not tested yet"
    : run.status === "pass"
      ? `✓  passes (${run.passed} tests)`
      : `✗  ${run.failed} of ${run.passed + run.failed} tests fail`;
  const when = run ? `   last run ${run.at.replace("T", " ").slice(0, 16)}` : "";
  console.log(`${id}  ${status.padEnd(28)}${when}   ${lab}`);
}
console.log(`\n${passing} of ${labs.length} labs pass.`);
const next = labs.find((lab) => progress[lab.slice(0, 5)]?.status !== "pass");
if (next) console.log(`Next: npm test -- ${next.slice(0, 5)}   (sheet: labs/${next}/README.md)`);
