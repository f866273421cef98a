// The answers a server gives to a request it will not serve, the same in every lab:
// JSON `{ "error": "…" }` with the status that says why — 415, 405 + Allow, 404 — and a clear
// message when the port is taken. Express alone answers an HTML page or throws a TypeError.
import type { Server } from "node:http";
import type express from "express";

// #region require-json
/**
 * For every endpoint that changes state. A foreign page can send a form or text/plain POST
 * without asking anyone (a "simple" request: CORS is checked after the server has acted);
 * to send `application/json` it must ask first (a preflight), which our CORS allowlist refuses.
 */
export function requireJson(
  req: express.Request,
  res: express.Response,
  next: express.NextFunction,
) {
  if (req.is("application/json")) return next();
  res.status(415).json({ error: "send the body as JSON, with Content-Type: application/json" });
}
// #endregion

/** The methods `app` has routes for at `path`, e.g. ["GET", "HEAD"]; empty for an unknown path. */
function allowedMethods(app: express.Express, path: string): string[] {
  const methods = new Set<string>();
  for (const layer of app.router.stack) {
    if (layer.route?.path !== path) continue;
    for (const handler of layer.route.stack) methods.add(handler.method.toUpperCase());
  }
  // Express answers HEAD with the GET route (writing no body).
  if (methods.has("GET")) methods.add("HEAD");
  return [...methods];
}

/**
 * The last handler, for requests no route took: 405 with the methods it does take (Allow) for
 * a path we serve, 404 for any other path. Both JSON, like every other error here.
 */
export function answerUnroutedRequests(app: express.Express) {
  return (req: express.Request, res: express.Response) => {
    const allowed = allowedMethods(app, req.path);
    if (allowed.length === 0) {
      res.status(404).json({ error: `no such path: ${req.path}` });
      return;
    }
    res
      .status(405)
      .set("Allow", allowed.join(", "))
      .json({ error: `${req.method} is not allowed on ${req.path}; use ${allowed.join(", ")}` });
  };
}

/**
 * app.listen, but a port that is taken rejects with what to do about it. (Express 5 hands the
 * listen error to the callback; used as a success, it would fail later as a TypeError.)
 */
export function listen(app: express.Express, port: number, host: string, lab: number) {
  return new Promise<Server>((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => {
      if (!error) return resolve(server);
      if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") return reject(error);
      const other = port === 9090 ? 9091 : 9090;
      reject(
        new Error(
          `port ${port} is in use — stop the other server or pick another: PORT=${other} npm run lab -- ${lab}`,
          { cause: error },
        ),
      );
    });
  });
}
