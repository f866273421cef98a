// A stand-in for a language model: a deterministic answer, one token at a time, at a set pace.
// No model and no network: the same prompt always gives the same tokens, so tests can compare.
import { setTimeout as sleep } from "node:timers/promises";

export interface ChatRequest {
  prompt: string;
  /** Stop after this many tokens (like the max_tokens of real chat APIs). */
  maxTokens: number;
  /** Simulate the model breaking down after this many tokens (for the error demo). */
  failAfterTokens?: number;
}

/** Thrown by the model halfway through an answer, after some tokens were already sent. */
export class ModelError extends Error {
  override name = "ModelError";
}

// Accents, CJK and an emoji take 2, 3 and 4 bytes in UTF-8: a network chunk can end
// in the middle of one, which is what the client's streaming TextDecoder is for.
const script = [
  "You asked: “{prompt}”.",
  "This answer is simulated, and it streams one token at a time — the way chat APIs answer.",
  "Every token is an event on the wire: `event: token` and one line of JSON data.",
  "Some tokens take several bytes in UTF-8: café, naïve, 東京, 🙂.",
  "When the answer is complete, `event: done` carries a summary.",
].join("\n");

/** The whole answer for a prompt, cut into tokens: a word with the spaces or newline after it. */
export function answerTokens(prompt: string): string[] {
  const text = script.replace("{prompt}", prompt.trim());
  return text.match(/\S+\s*/g) ?? [];
}

/**
 * Yield the answer's tokens, one every `intervalMs`. Aborting `signal` stops at once:
 * the pending timer is cleared and the loop ends with an AbortError — no more work.
 */
export async function* generateAnswer(
  request: ChatRequest,
  { intervalMs, signal }: { intervalMs: number; signal: AbortSignal },
): AsyncGenerator<string> {
  const tokens = answerTokens(request.prompt).slice(0, request.maxTokens);
  for (const [index, token] of tokens.entries()) {
    await sleep(intervalMs, undefined, { signal });
    if (index === request.failAfterTokens) {
      throw new ModelError(`the model stopped after ${index} tokens (simulated overload)`);
    }
    yield token;
  }
}
