// The same client in Node: fetch + the same parser, tokens printed as they arrive.
//   npx tsx labs/lab11-fetch-streaming/ask.ts "Why is the sky blue?"
//   SERVER=http://localhost:9090 npx tsx labs/lab11-fetch-streaming/ask.ts "hi"
// Ctrl+C aborts the request: the server notices and stops generating.
import { fileURLToPath } from "node:url";
import { type ChatRequestBody, type DoneSummary, streamChat } from "./chat-client.ts";

/** Print the answer to `out` token by token; resolve with the summary, or how it ended. */
export async function ask(
  server: string,
  body: ChatRequestBody,
  { out, signal }: { out: { write(text: string): unknown }; signal?: AbortSignal },
): Promise<{ outcome: "done"; summary: DoneSummary } | { outcome: "error"; message: string }> {
  for await (const event of streamChat(server, body, { signal })) {
    if (event.type === "token") out.write(event.text);
    if (event.type === "done") return { outcome: "done", summary: event.summary };
    if (event.type === "error") return { outcome: "error", message: event.message };
  }
  throw new Error("unreachable: streamChat ends with done, error or a throw");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = process.env.SERVER ?? "http://localhost:8080";
  const prompt = process.argv.slice(2).join(" ") || "Why is the sky blue?";
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  try {
    const result = await ask(
      server,
      { prompt },
      { out: process.stdout, signal: controller.signal },
    );
    console.error(
      result.outcome === "done"
        ? `\n[done: ${result.summary.tokens} tokens in ${result.summary.ms} ms, ${result.summary.finishReason}]`
        : `\n[error after the stream started: ${result.message}]`,
    );
    process.exitCode = result.outcome === "done" ? 0 : 1;
  } catch (error) {
    console.error(
      controller.signal.aborted ? "\n[stopped]" : `\n[failed: ${(error as Error).message}]`,
    );
    process.exitCode = controller.signal.aborted ? 130 : 1;
  }
}
