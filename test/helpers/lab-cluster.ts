import { type RunningLab, type StartedLab, startLab } from "./lab-server.ts";
import { type RunningNginx, startNginx } from "./nginx.ts";
import { labFile } from "./track.ts";

/** A lab server that can leave gracefully (lab 05 on): what SIGTERM triggers. */
export interface GracefulLab extends RunningLab {
  shutdown(): Promise<void>;
}

export interface Cluster<T extends RunningLab = GracefulLab> {
  one: StartedLab<T>;
  two: StartedLab<T>;
  /** The same two, by the names they give in X-Instance and in their events. */
  instances: { one: StartedLab<T>; two: StartedLab<T> };
  nginx: RunningNginx;
  /** Requests each instance has received so far, counted on its server, whatever it answers. */
  served: { one: number; two: number };
}

/**
 * Two instances of a lab's server, named "one" and "two", behind the lab's own nginx
 * (`nginx.conf.template` with APP_1, APP_2 and PROXY_READ_TIMEOUT). Quiet by default
 * (no ticks, no heartbeats) with a 50 ms retry; `options` go to both servers.
 * Everything is stopped after the test.
 */
export async function startCluster<T extends RunningLab = GracefulLab>(
  lab: string,
  options: Record<string, unknown> = {},
  proxyReadTimeout = "60s",
): Promise<Cluster<T>> {
  const settings = { intervalMs: 0, heartbeatMs: 0, retryMs: 50, ...options };
  const one = await startLab<T>(lab, { ...settings, instanceName: "one" });
  const two = await startLab<T>(lab, { ...settings, instanceName: "two" });
  const served = { one: 0, two: 0 };
  one.server.on("request", () => served.one++);
  two.server.on("request", () => served.two++);
  const nginx = await startNginx(labFile(lab, "nginx.conf.template"), {
    APP_1: one.url.replace("http://", ""),
    APP_2: two.url.replace("http://", ""),
    PROXY_READ_TIMEOUT: proxyReadTimeout,
  });
  return { one, two, instances: { one, two }, nginx, served };
}
