// lab 04's server keeps the hardening rules of every broadcast server (see the helper).
import { describeBroadcastServerRules } from "./helpers/broadcast-server-rules.ts";

describeBroadcastServerRules({
  lab: "lab04-reverse-proxy",
  labOptions: { intervalMs: 0, retryMs: 50 },
});
