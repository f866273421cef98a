// A short-lived stream token: `<claims>.<HMAC of the claims>`, both base64url.
// The server can check it without a lookup, and nobody without the secret can forge one.
import { createHmac, timingSafeEqual } from "node:crypto";

export interface TokenClaims {
  /** The session the token was issued from: revoking the session revokes its tokens. */
  sid: string;
  /** Expiry, in ms since 1970 (Date.now()). */
  exp: number;
}

function signatureOf(payload: string, secret: string): string {
  return createHmac("sha256", secret).update(payload).digest("base64url");
}

export function signToken(claims: TokenClaims, secret: string): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  return `${payload}.${signatureOf(payload, secret)}`;
}

function decodeClaims(payload: string): TokenClaims | undefined {
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    if (typeof claims?.sid === "string" && typeof claims?.exp === "number") return claims;
  } catch {
    // not JSON: not one of ours
  }
  return undefined;
}

// #region verify-token
/** The claims of a token this server signed and that has not expired; otherwise undefined. */
export function verifyToken(
  token: string,
  secret: string,
  now = Date.now(),
): TokenClaims | undefined {
  const [payload = "", signature = "", ...rest] = token.split(".");
  if (rest.length > 0) return undefined;
  const expected = Buffer.from(signatureOf(payload, secret));
  const given = Buffer.from(signature);
  // timingSafeEqual takes as long for a near miss as for a wild guess: no byte-by-byte oracle.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const claims = decodeClaims(payload);
  if (!claims || claims.exp <= now) return undefined;
  return claims;
}
// #endregion
