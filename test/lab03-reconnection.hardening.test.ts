// lab 03's server keeps the hardening rules of every broadcast server (see the helper).
// Here two of them are TODOs: requireJson on POST /stream/end (TODO 5) and the reset (TODO 4).
import { describeBroadcastServerRules } from "./helpers/broadcast-server-rules.ts";

describeBroadcastServerRules({
  lab: "lab03-reconnection",
  labOptions: { intervalMs: 0, retryMs: 50 },
  todos: { endStream: 5, reset: 4 },
});
