import { describe, expect, test } from "vitest";
import { type BrowserPage, openLabPage, waitFor } from "./helpers/index.ts";

const lab = "lab02-named-events";

/** Send the signup form with `name` and wait until the page shows the server's answer. */
async function submitSignup(page: BrowserPage, name: string): Promise<void> {
  await page.page.fill("#signup-form input[name=name]", name);
  await page.page.click("#signup-form button[type=submit]");
  await waitFor(async () => (await page.textOf("#signup-result")) !== "", {
    message: "the form should show the answer to POST /signup",
    timeoutMs: 3000,
  });
}

describe("lab02 — the page in Chromium", () => {
  test("TODO 4 · an empty name is refused: the form shows the 400 and no signup is listed", async () => {
    const page = await openLabPage(lab, { intervalMs: 30 });
    await waitFor(async () => (await page.attributeOf("#status", "data-state")) === "open", {
      message: "the page should connect",
      timeoutMs: 5000,
      describe: () => page.describeErrors(),
    });
    // Spaces pass the input's `required` check but are not a name.
    await submitSignup(page, "   ");
    expect(
      await page.textOf("#signup-result"),
      "lab02 TODO 4: a blank name should be answered 400 with a JSON error",
    ).toMatch(/^400: /);
    expect(await page.textsOf("#signups li"), "lab02 TODO 4: nothing is broadcast").toEqual([]);
  });

  test("TODO 5 · a signup sent from the form appears under Signups, never under Messages", async () => {
    const page = await openLabPage(lab, { intervalMs: 30 });
    await waitFor(async () => (await page.textsOf("#messages li")).length >= 2, {
      message: "the page should connect and list the tick messages in #messages",
      timeoutMs: 5000,
      describe: () => page.describeErrors(),
    });

    // Markup and quotes in the name: it must arrive as text, whole.
    const name = `Ada <b>Lovelace</b> "the first"`;
    await submitSignup(page, name);
    expect(
      await page.textOf("#signup-result"),
      "lab02 TODO 3: POST /signup should broadcast the signup and answer 202 {delivered}",
    ).toBe("sent to 1 client(s)");

    await waitFor(async () => (await page.textsOf("#signups li")).length >= 1, {
      message:
        'lab02 TODO 5: the signup should appear in #signups: an `event: signup` reaches only addEventListener("signup", …)',
      timeoutMs: 3000,
      describe: () => page.describeErrors(),
    });
    // First the HTML check: innerHTML would also change the line's text, and this says why.
    expect(
      await page.page.locator("#signups b").count(),
      "lab02 TODO 5: the name must be shown as text (textContent), never parsed as HTML (innerHTML)",
    ).toBe(0);
    expect(await page.textsOf("#signups li"), "lab02 TODO 5: one line per signup").toEqual([
      `${name} signed up`,
    ]);

    // A few more ticks, then the message list must hold ticks only.
    const ticksSoFar = (await page.textsOf("#messages li")).length;
    await waitFor(async () => (await page.textsOf("#messages li")).length >= ticksSoFar + 2, {
      message: "tick messages should keep arriving after the signup",
      timeoutMs: 3000,
    });
    const messages = await page.textsOf("#messages li");
    expect(
      messages.filter((text) => !/^hello world event source #\d+$/.test(text)),
      "a `signup` event must never reach onmessage, so #messages holds only the ticks",
    ).toEqual([]);
    expect(page.pageErrors, "the page's script should not throw").toEqual([]);
  });
});
