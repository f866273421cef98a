// One benchmark payload: JSON carrying its sequence number and send time, padded to an exact
// size so every contender moves the same bytes.

/** performance.timeOrigin + performance.now(): wall-clock ms with sub-ms precision. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

export function makePayload(seq: number, bytes: number): string {
  const sentAt = now();
  const bare = JSON.stringify({ seq, sentAt, pad: "" });
  return JSON.stringify({ seq, sentAt, pad: "x".repeat(Math.max(0, bytes - bare.length)) });
}

export function percentiles(values: Float64Array | number[]) {
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? 0 };
}
