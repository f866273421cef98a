// lab 05's server keeps the hardening rules of every broadcast server (see the helper).
import { describeBroadcastServerRules } from "./helpers/broadcast-server-rules.ts";

describeBroadcastServerRules({
  lab: "lab05-load-balancer",
  labOptions: { intervalMs: 0, retryMs: 50, heartbeatMs: 0 },
});
