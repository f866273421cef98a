// Lab 09 client: receive broadcasts and measure their latency where it matters — here.
const server =
  new URLSearchParams(location.search).get("server") ?? `http://${location.hostname}:8080`;
const url = `${server}/stream`;

const status = document.querySelector<HTMLElement>("#status")!;
const received = document.querySelector<HTMLElement>("#received")!;
const latencyLast = document.querySelector<HTMLElement>("#latency-last")!;
const latencyPercentiles = document.querySelector<HTMLElement>("#latency-percentiles")!;
const burstButton = document.querySelector<HTMLButtonElement>("#burst")!;
const burstResult = document.querySelector<HTMLOutputElement>("#burst-result")!;
document.querySelector("#url")!.textContent = url;

const latencies: number[] = [];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const source = new EventSource(url);
source.addEventListener("open", () => {
  status.textContent = status.dataset.state = "open";
});
source.addEventListener("error", () => {
  status.textContent = status.dataset.state =
    source.readyState === EventSource.CLOSED ? "closed" : "reconnecting";
});
source.onmessage = (event: MessageEvent<string>) => {
  received.textContent = String(Number(received.textContent) + 1);
  // performance.timeOrigin + now() is wall-clock time with sub-millisecond precision,
  // comparable with the sender's on the same machine.
  const { sentAt } = JSON.parse(event.data) as { sentAt?: number };
  if (typeof sentAt !== "number") return;
  const latency = performance.timeOrigin + performance.now() - sentAt;
  latencies.push(latency);
  latencyLast.textContent = `${latency.toFixed(1)} ms`;
  const sorted = [...latencies].sort((a, b) => a - b);
  latencyPercentiles.textContent = `${percentile(sorted, 50).toFixed(1)} ms / ${percentile(sorted, 99).toFixed(1)} ms (${sorted.length} events)`;
};

burstButton.addEventListener("click", async () => {
  burstButton.disabled = true;
  const started = performance.now();
  for (let seq = 1; seq <= 20; seq++) {
    const data = JSON.stringify({ seq, sentAt: performance.timeOrigin + performance.now() });
    const response = await fetch(`${server}/broadcast`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ data }),
    });
    if (!response.ok) {
      burstResult.textContent = `stopped: ${response.status} ${await response.text()}`;
      burstButton.disabled = false;
      return;
    }
  }
  burstResult.textContent = `20 broadcasts sent in ${(performance.now() - started).toFixed(0)} ms`;
  burstButton.disabled = false;
});
