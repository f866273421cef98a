/**
 * Poll a condition until it holds or the deadline passes. Tests wait for what they
 * expect to see, never for a fixed number of milliseconds.
 * On timeout it throws `message` (plus what `describe` says about the current state),
 * so the student reads what was expected and what actually happened.
 * `failFast` stops the wait early: when what has arrived already proves the condition can
 * never hold (the first event came without an id, the client gave up), it returns the
 * message to fail with, and the student hears at once instead of after the deadline.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  options: {
    timeoutMs?: number;
    message: string;
    describe?: () => string;
    failFast?: () => string | undefined | Promise<string | undefined>;
  },
): Promise<void> {
  // Where the test called from, taken now while it is still on the stack: a timeout then
  // points at the test's own line, not at this file or another helper.
  const calledFrom: { stack?: string } = {};
  Error.captureStackTrace(calledFrom, waitFor);
  const deadline = Date.now() + (options.timeoutMs ?? 2000);
  while (!(await condition())) {
    const hopeless = await options.failFast?.();
    if (hopeless) throw new Error(hopeless);
    if (Date.now() > deadline) {
      const state = options.describe ? ` — ${options.describe()}` : "";
      const error = new Error(`${options.message}${state}`);
      const frames = (calledFrom.stack ?? "")
        .split("\n")
        .slice(1)
        .filter((line) => !line.includes("/test/helpers/"));
      if (frames.length > 0) error.stack = `Error: ${error.message}\n${frames.join("\n")}`;
      throw error;
    }
    await delay(10);
  }
}

/** A short pause, only for polling loops and for "nothing should happen during X ms" checks. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
