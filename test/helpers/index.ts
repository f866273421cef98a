export { chromiumArgs, findChromium, launchBrowser } from "../../tools/chromium.ts";
export { acceptsConnections, freePort } from "../../tools/free-port.ts";
export {
  createSelfSignedCert,
  findOpenssl,
  type SelfSignedCert,
} from "../../tools/tls-cert.ts";
export {
  type BrowserPage,
  type LabPage,
  openLabPage,
  openPage,
  type ServedClient,
  serveClient,
} from "./browser.ts";
export { type ChunkingServer, startChunkingServer } from "./chunking-server.ts";
export { onCleanup } from "./cleanup.ts";
export { connectH2, type H2Response, requestH2 } from "./h2-client.ts";
export {
  expectHeadAnswersAtOnce,
  expectJsonNotFound,
  expectJsonRequired,
  expectMethodNotAllowed,
  expectPortInUseMessage,
  foreignPosts,
  jsonError,
  type PlainResponse,
  sendRequest,
} from "./http-rules.ts";
export { type Cluster, type GracefulLab, startCluster } from "./lab-cluster.ts";
export { type LabProcess, startLabProcess } from "./lab-process.ts";
export { importLab, type RunningLab, type StartedLab, startLab } from "./lab-server.ts";
export {
  checkNginxConfig,
  findNginx,
  http2ListenSyntax,
  nginxTemplates,
  type RunningNginx,
  renderTemplate,
  startNginx,
  templateVariables,
} from "./nginx.ts";
export { propertyRuns } from "./property-runs.ts";
export { parseEventStream, type RawResponse, readRawStream } from "./raw-stream.ts";
export { findRedisServer, type RunningRedis, startRedis } from "./redis.ts";
export { activeTimers, openConnections, trackIntervals } from "./resources.ts";
export {
  expectStalledClientsCut,
  openStalledClient,
  type PublishRequest,
  type StalledClient,
  signupRequest,
  trackBufferedBytes,
} from "./slow-client.ts";
export { connect, type ReceivedEvent, type SseClient } from "./sse-client.ts";
export { labFile, repoRoot, track } from "./track.ts";
export { delay, waitFor } from "./wait-for.ts";
