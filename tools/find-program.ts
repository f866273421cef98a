import { accessSync, constants } from "node:fs";
import path from "node:path";

/**
 * Find a system program the tests run for real (nginx, redis-server, chromium):
 * the path in `envVar` if set, else the first executable `names` on the PATH, else `knownPaths`.
 * If it is nowhere, throw `installHint`: a missing program fails the test and says how to
 * install it — it never skips silently.
 */
export function findProgram(spec: {
  envVar: string;
  names: string[];
  knownPaths: string[];
  installHint: string;
}): string {
  const fromEnv = process.env[spec.envVar];
  if (fromEnv) {
    if (isExecutable(fromEnv)) return fromEnv;
    throw new Error(
      `${spec.envVar} is set to ${fromEnv}, but no executable is there.\n${spec.installHint}`,
    );
  }
  const onPath = (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter(Boolean)
    .flatMap((dir) => spec.names.flatMap((name) => withExe(name).map((n) => path.join(dir, n))));
  const found = [...onPath, ...spec.knownPaths].find(isExecutable);
  if (found) return found;
  throw new Error(spec.installHint);
}

/** On Windows a program is `nginx.exe`, found by its name with the extension. */
function withExe(name: string): string[] {
  return process.platform === "win32" && !name.endsWith(".exe") ? [`${name}.exe`, name] : [name];
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
