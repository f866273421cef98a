// Lab 07 client: open 8 event streams to one origin, then try an ordinary fetch() there.
// Over HTTP/1.1 a browser opens at most 6 connections per origin and each open stream keeps
// one: streams 7 and 8 wait, and so does the fetch. Over HTTP/2 all of them share one connection.
const params = new URLSearchParams(location.search);
const server = params.get("server") ?? `https://${location.hostname}:8080`;
const streamCount = Number(params.get("streams") ?? 8);
/** When this long passes without another stream opening, the rest are taken as stuck. */
const settleMs = Number(params.get("settleMs") ?? 1000);
/** A fetch without an answer after this long is reported as stalled. */
const fetchTimeoutMs = Number(params.get("fetchTimeoutMs") ?? 3000);

const openedText = document.querySelector<HTMLElement>("#opened")!;
const lanes = document.querySelector<HTMLOListElement>("#lanes")!;
const fetchResult = document.querySelector<HTMLElement>("#fetch")!;
const protocolText = document.querySelector<HTMLElement>("#protocol")!;
document.querySelector("#server")!.textContent = server;
document.querySelector("#wanted")!.textContent = String(streamCount);
const here = `${location.origin}${location.pathname}`;
document.querySelector<HTMLAnchorElement>("#as-http1")!.href =
  `${here}?server=${encodeURIComponent(`http://${location.hostname}:8081`)}`;
document.querySelector<HTMLAnchorElement>("#as-h2")!.href =
  `${here}?server=${encodeURIComponent(`https://${location.hostname}:8080`)}`;

/** The lanes whose stream has opened (each counted once, even after a reconnect). */
const openLanes = new Set<HTMLElement>();
let errors = 0;

// #region count-open
/** A stream's first 'open': its lane turns green and the count goes up. */
function markOpen(lane: HTMLElement) {
  // TODO 3: on a stream's first 'open', set lane.dataset.state = "open", add the lane to
  // openLanes and show openLanes.size in #opened (openedText): how many streams got through.
  void [lane, openedText];
}
// #endregion

// #region probe-fetch
/** One ordinary request to the same origin: does it get a connection while the streams hold theirs? */
async function probeFetch() {
  // TODO 4: fetch `${server}/` with signal AbortSignal.timeout(fetchTimeoutMs); set #fetch's
  // data-result to "ok" (with the ms in data-ms), "stalled" (TimeoutError) or "failed", and
  // show the entry's nextHopProtocol (performance.getEntriesByName(url)) in #protocol.
  void [fetchResult, protocolText, fetchTimeoutMs];
}
// #endregion

function showCertificateHint() {
  const link = document.querySelector<HTMLAnchorElement>("#cert-link")!;
  link.href = `${server}/`;
  link.textContent = `${server}/`;
  document.querySelector<HTMLElement>("#cert-hint")!.hidden = false;
}

// Probe once the streams have settled: all open, or no other one opened for settleMs after
// the first (connecting can take a while: TLS, a busy machine).
let settle: ReturnType<typeof setTimeout> | undefined;
let probed = false;
function probeWhenSettled() {
  clearTimeout(settle);
  if (probed) return;
  const go = () => {
    probed = true;
    void probeFetch();
  };
  if (openLanes.size === streamCount) go();
  else settle = setTimeout(go, settleMs);
}

for (let index = 1; index <= streamCount; index += 1) {
  const lane = document.createElement("li");
  lane.dataset.index = String(index);
  lane.dataset.state = "connecting";
  lane.textContent = `${index} waiting`;
  lanes.append(lane);
  const source = new EventSource(`${server}/stream`);
  source.addEventListener("open", () => {
    markOpen(lane);
    probeWhenSettled();
  });
  source.addEventListener("error", () => {
    if (lane.dataset.state !== "open" && source.readyState !== EventSource.OPEN) {
      errors += 1;
      if (errors >= streamCount && openLanes.size === 0) showCertificateHint();
    }
  });
}
