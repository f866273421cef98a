// npm run watch -- 3    check lab 03 now, and again each time you save one of its files
//                       (server, modules, client page, nginx template). Ctrl+C stops.
// The same focused report as `npm test -- lab03`; `npm run watch -- 3 --full` for vitest's own.
import { type ChildProcess, spawn } from "node:child_process";
import { type FSWatcher, statSync, watch } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { currentTrack, findLabName, labFiles, repoRoot } from "../tools/curriculum.ts";

/** Size and modification time of every file in the folder: what "saved" means here. */
function snapshot(dir: string): string {
  return labFiles(dir)
    .map((file) => {
      try {
        const stat = statSync(path.join(dir, file));
        return `${file} ${stat.size} ${stat.mtimeMs}`;
      } catch {
        return `${file} gone`;
      }
    })
    .join("\n");
}

/**
 * Call `onChange` whenever a file in `dir` changes, appears or disappears. Two ways at once:
 * fs.watch on the folder (instant; a save by rename shows up as an event on the folder) and a
 * scan every `pollMs` (for WSL, network drives and editors whose saves fs.watch misses).
 * Both compare a snapshot first, so one save triggers once. Returns a function that stops it.
 */
export function watchFolder(
  dir: string,
  onChange: () => void,
  options: { pollMs?: number; native?: boolean } = {},
): () => void {
  let last = snapshot(dir);
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    const now = snapshot(dir);
    if (now === last) return;
    last = now;
    onChange();
  };
  // Editors write a file in several steps: wait until they are done.
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(check, 100);
  };
  let watcher: FSWatcher | undefined;
  if (options.native !== false) {
    try {
      watcher = watch(dir, { recursive: true }, soon);
      watcher.on("error", () => watcher?.close());
    } catch {
      watcher = undefined; // no recursive fs.watch here: polling alone will do
    }
  }
  const poll = setInterval(check, options.pollMs ?? 1000);
  return () => {
    watcher?.close();
    clearInterval(poll);
    clearTimeout(timer);
  };
}

/** Run `npm test -- labNN` (in-process flags passed on) now and after every save, one at a time. */
export async function watchLab(lab: string, extraArgs: string[] = []): Promise<void> {
  const track = currentTrack();
  const dir = path.join(repoRoot, track, lab);
  const testScript = path.join(repoRoot, "scripts", "test.ts");
  const runTs = path.join(repoRoot, "scripts", "run-ts.mjs");
  let running: ChildProcess | undefined;
  let again = false;
  const run = () => {
    if (running) {
      // A save during a run: stop it and start over with the new code.
      again = true;
      running.kill();
      return;
    }
    if (process.stdout.isTTY) process.stdout.write("\u001bc");
    running = spawn(process.execPath, [runTs, testScript, lab.slice(0, 5), ...extraArgs], {
      cwd: repoRoot,
      stdio: "inherit",
      env: process.env,
    });
    running.on("exit", () => {
      running = undefined;
      if (again) {
        again = false;
        run();
        return;
      }
      console.log(`\nwatching ${track}/${lab}: save a file to check again, Ctrl+C to stop`);
    });
  };
  run();
  const stop = watchFolder(dir, run);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => {
      stop();
      running?.kill();
      resolve();
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [which, ...rest] = process.argv.slice(2);
  const lab = findLabName(which);
  if (!lab) {
    console.error("Usage: npm run watch -- <lab number>, e.g. npm run watch -- 3");
    process.exit(2);
  }
  await watchLab(lab, rest);
}
