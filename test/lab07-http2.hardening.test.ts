// lab 07's server keeps the hardening rules of every broadcast server (see the helper).
// (lab 07's server is lab 04's, so the checks are the same.)
import { describeBroadcastServerRules } from "./helpers/broadcast-server-rules.ts";

describeBroadcastServerRules({ lab: "lab07-http2", labOptions: { intervalMs: 0, retryMs: 50 } });
