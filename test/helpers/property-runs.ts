/**
 * How many cases a property test (fast-check) tries: `full` in verify, CI and `--full` runs;
 * a tenth of it in the student loop (`npm test -- labNN`, which sets WORKSHOP_LOOP=1), where a
 * check must answer in about a second. Generating thousands of long random strings is most
 * of a property test's time, and a tenth still finds the usual mistakes at once.
 */
export function propertyRuns(full: number): number {
  return process.env.WORKSHOP_LOOP === "1" ? Math.max(100, Math.ceil(full / 10)) : full;
}
