// The commands a student types besides `npm test`: watch, reset, diff, progress, doctor.
// Each runs for real, as a separate process, on a throwaway copy of lab 01 (WORKSHOP_ROOT),
// so the repository's own labs are never touched.
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { watchFolder } from "../scripts/watch.ts";
import { onCleanup, repoRoot, waitFor } from "./helpers/index.ts";

const lab = "lab01-first-stream";

/** A throwaway workshop with lab 01's starter and solution, under git like a clone. */
function tempWorkshop(): string {
  const root = mkdtempSync(path.join(tmpdir(), "sse-workshop-"));
  onCleanup(() => rmSync(root, { recursive: true, force: true }));
  for (const track of ["labs", "solutions"]) {
    cpSync(path.join(repoRoot, track, lab), path.join(root, track, lab), { recursive: true });
  }
  const git = (...args: string[]) => spawnSync("git", args, { cwd: root, encoding: "utf8" });
  git("init", "-q");
  git("add", ".");
  git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "starter");
  return root;
}

/** Run `scripts/<name>.ts` the way its npm script does, against `root`. */
function run(name: string, args: string[], root: string, env: Record<string, string> = {}) {
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", path.join(repoRoot, "scripts", `${name}.ts`), ...args],
    {
      cwd: repoRoot, // where tsx is installed; the script works on WORKSHOP_ROOT
      encoding: "utf8",
      env: { ...process.env, WORKSHOP_ROOT: root, NO_COLOR: "1", ...env },
    },
  );
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("watch", () => {
  test("a save reruns the check: written in place, saved by rename, or seen only by polling", async () => {
    const root = tempWorkshop();
    const dir = path.join(root, "labs", lab);
    for (const native of [true, false]) {
      let runs = 0;
      const stop = watchFolder(dir, () => runs++, { pollMs: 100, native });
      onCleanup(stop);
      const server = path.join(dir, "server.ts");
      writeFileSync(server, `${readFileSync(server, "utf8")}\n// saved in place\n`);
      await waitFor(() => runs === 1, {
        timeoutMs: 3000,
        message: `a save in place should rerun once (native watch ${native}), ran ${runs}`,
      });
      // Editors like vim save to a new file and rename it over the old one.
      const page = path.join(dir, "client", "main.ts");
      writeFileSync(`${page}.tmp`, `${readFileSync(page, "utf8")}\n// saved by rename\n`);
      renameSync(`${page}.tmp`, page);
      await waitFor(() => runs === 2, {
        timeoutMs: 3000,
        message: `a save by rename should rerun once (native watch ${native}), ran ${runs}`,
      });
      stop();
    }
  });
});

describe("reset", () => {
  test("puts the starter back and keeps the student's version where it says", () => {
    const root = tempWorkshop();
    const server = path.join(root, "labs", lab, "server.ts");
    const starter = readFileSync(server, "utf8");
    writeFileSync(server, "// my attempt\n");
    writeFileSync(path.join(root, "labs", lab, "notes.ts"), "// my notes\n");

    const { code, output } = run("reset", ["1"], root);
    expect(code, output).toBe(0);
    expect(readFileSync(server, "utf8"), "server.ts is the starter again").toBe(starter);
    expect(
      existsSync(path.join(root, "labs", lab, "notes.ts")),
      "a file git does not know goes",
    ).toBe(false);
    const savedDir = path.join(root, ".workshop", "saved");
    const [saved] = readdirSync(savedDir);
    expect(output, "reset says where the student's version is").toContain(
      path.join(".workshop", "saved", saved ?? ""),
    );
    expect(readFileSync(path.join(savedDir, saved ?? "", "server.ts"), "utf8")).toBe(
      "// my attempt\n",
    );
    expect(readFileSync(path.join(savedDir, saved ?? "", "notes.ts"), "utf8")).toBe(
      "// my notes\n",
    );
  });
});

describe("diff", () => {
  test("shows the student's lines (-) against the solution's (+), then nothing once they match", () => {
    const root = tempWorkshop();
    const before = run("diff", ["1"], root);
    expect(before.output).toContain(`--- labs/${lab}/client/main.ts`);
    expect(before.output).toContain('-// TODO 4: when the connection opens, show("open").');
    expect(before.output).toMatch(/\n\+source\.addEventListener\("open"/);
    cpSync(path.join(root, "solutions", lab), path.join(root, "labs", lab), { recursive: true });
    const after = run("diff", ["1"], root);
    expect(after.output).toContain(`labs/${lab} is the same as solutions/${lab}`);
  });
});

describe("progress", () => {
  test("lists which labs pass, from what npm test recorded", () => {
    const root = tempWorkshop();
    expect(run("progress", [], root).output).toMatch(/lab01\s+·\s+not tested yet/);
    mkdirSync(path.join(root, ".workshop"));
    writeFileSync(
      path.join(root, ".workshop", "progress.json"),
      JSON.stringify({
        lab01: {
          status: "pass",
          passed: 11,
          failed: 0,
          durationMs: 900,
          at: "2026-01-02T03:04:05.000Z",
        },
      }),
    );
    const { output } = run("progress", [], root);
    expect(output).toMatch(/lab01\s+✓\s+passes \(11 tests\)/);
    expect(output).toContain("1 of 1 labs pass.");
  });
});

describe("doctor", () => {
  test("names Node, the programs, and a port in use with the command that frees it", async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    onCleanup(() => new Promise((resolve) => busy.close(resolve)));
    const port = (busy.address() as net.AddressInfo).port;
    const { code, output } = run("doctor", [], repoRoot, { WORKSHOP_DOCTOR_PORTS: String(port) });
    expect(output).toContain(`✓ Node ${process.version}`);
    expect(output).toMatch(/nginx \(labs 04–07, 10, 11\)/);
    expect(output).toContain(`✗ port ${port}`);
    expect(output).toMatch(/fix: see what holds it: (lsof -i|netstat -ano)/);
    expect(code, "a problem makes doctor exit 1").toBe(1);
  });
});

// Each test runs a whole nested `npm test -- lab01` (vitest, and for the second one Chromium):
// about 3 s and 8 s alone, several times that beside verify's other stream on 2 cores.
describe("npm test -- labNN (the loop)", { timeout: 60_000 }, () => {
  /** A copy of lab 01's starter inside the repository, where its imports find node_modules. */
  function starterCopy(): string {
    const trackDir = mkdtempSync(path.join(repoRoot, ".workshop", "loop-"));
    onCleanup(() => rmSync(trackDir, { recursive: true, force: true }));
    cpSync(path.join(repoRoot, "labs", lab), path.join(trackDir, lab), { recursive: true });
    return trackDir;
  }

  /** `npm test -- lab01` as a student runs it, on the copy: its exit code and what it printed. */
  function check(trackDir: string) {
    const result = spawnSync(
      process.execPath,
      [path.join(repoRoot, "scripts", "run-ts.mjs"), "scripts/test.ts", "lab01"],
      {
        cwd: repoRoot,
        encoding: "utf8",
        // The student's track, even when this suite itself runs on solutions/ (verify).
        env: {
          ...process.env,
          WORKSHOP_TRACK: "labs",
          WORKSHOP_TRACK_DIR: trackDir,
          NO_COLOR: "1",
        },
      },
    );
    return { code: result.status, output: `${result.stdout}${result.stderr}` };
  }

  test("on the untouched starter: the checklist, TODO 1 in full, and the later TODOs not run", () => {
    mkdirSync(path.join(repoRoot, ".workshop"), { recursive: true });
    const { code, output } = check(starterCopy());
    expect(code, output).toBe(1);
    expect(output).toContain("0 of 6 TODOs done");
    expect(output).toMatch(/✗ TODO 1 {2}also send `Cache-Control: no-cache`/);
    for (const later of [2, 3, 4, 5, 6])
      expect(output).toMatch(new RegExp(`· TODO ${later} .*\\(not checked until TODO 1 passes\\)`));
    expect(output).toMatch(/Next: TODO 1 {2}in labs\/lab01-first-stream\/server\.ts:\d+/);
    expect(output).toContain("lab01 TODO 1: set Cache-Control: no-cache");
    expect(output).toMatch(
      /Hint: labs\/lab01-first-stream\/README\.md line \d+, "Hint for TODO 1"/,
    );
    // Stopped at TODO 1: the page's tests (TODOs 4-6) never started a browser.
    expect(output).not.toContain("lab01 TODO 4");
    expect(output.split("\n").length, output).toBeLessThan(30);
  });

  test("with the server done: TODOs 1-3 pass, and it stops at the page's first TODO", () => {
    const trackDir = starterCopy();
    cpSync(
      path.join(repoRoot, "solutions", lab, "server.ts"),
      path.join(trackDir, lab, "server.ts"),
    );
    const { code, output } = check(trackDir);
    expect(code, output).toBe(1);
    expect(output).toContain("3 of 6 TODOs done");
    for (const done of [1, 2, 3]) expect(output).toMatch(new RegExp(`✓ TODO ${done} `));
    expect(output).toMatch(/✗ TODO 4 /);
    expect(output).toMatch(/Next: TODO 4 {2}in labs\/lab01-first-stream\/client\/main\.ts:\d+/);
    // The run stopped there: TODO 6's tests (after TODO 4's in the file) did not run, and no
    // test the stop cut short is reported as a failure.
    expect(output).toMatch(/· TODO 6 .*\(not checked until TODO 4 passes\)/);
    expect(output).not.toContain("aborted");
  });
});
