import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { findProgram } from "./find-program.ts";

const installHint =
  "openssl is needed to make a test certificate and was not found. Install it: " +
  "Debian/Ubuntu `sudo apt-get install -y openssl`, macOS `brew install openssl` " +
  "(or point OPENSSL_BIN at the binary).";

/** The openssl command-line tool: OPENSSL_BIN, else the PATH, else the usual places. */
export function findOpenssl(): string {
  return findProgram({
    envVar: "OPENSSL_BIN",
    names: ["openssl"],
    knownPaths: ["/usr/bin/openssl", "/opt/homebrew/bin/openssl", "/usr/local/bin/openssl"],
    installHint,
  });
}

export interface SelfSignedCert {
  certFile: string;
  keyFile: string;
}

/**
 * Write a self-signed certificate for `localhost` and `127.0.0.1` into `dir` (cert.pem and
 * key.pem), valid for `days`. EC P-256: 10–15 ms, where RSA 2048 takes 200–300 ms.
 * No browser trusts it: tests tell Chromium to ignore certificate errors, students click
 * through the warning once (see labs/lab07-http2/README.md).
 */
export function createSelfSignedCert(dir: string, days = 2): SelfSignedCert {
  mkdirSync(dir, { recursive: true });
  const certFile = path.join(dir, "cert.pem");
  const keyFile = path.join(dir, "key.pem");
  const result = spawnSync(
    findOpenssl(),
    [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"],
      ...["-nodes", "-sha256", "-days", String(days), "-subj", "/CN=localhost"],
      ...["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
      ...["-keyout", keyFile, "-out", certFile],
    ],
    { encoding: "utf8" },
  );
  if (result.status !== 0) {
    throw new Error(
      `openssl could not make a self-signed certificate:\n${result.error ?? ""}${result.stderr}`,
    );
  }
  return { certFile, keyFile };
}
