// docker-compose.yml is the classroom demo. No Docker engine runs where the tests run, so
// this checks what can go wrong without one: a mounted file that does not exist, a template
// the tests never run, a variable nginx would leave unrendered, a port or service name that
// does not match. The paths use ${TRACK:-solutions} and ${LAB:-…}: every choice is checked.
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { nginxTemplates, renderTemplate, repoRoot } from "./helpers/index.ts";

interface Service {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
}
const compose = parse(readFileSync(path.join(repoRoot, "docker-compose.yml"), "utf8"), {
  merge: true,
}) as { services: Record<string, Service> };
const services = compose.services;

/** Compose's ${NAME:-default} interpolation, with `env` in place of the shell's environment. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(
    /\$\{([A-Z_][A-Z0-9_]*)(?::-([^}]*))?\}/g,
    (_, name: string, fallback = "") => env[name] ?? fallback,
  );
}

const labsBehindNginx = [
  "lab04-reverse-proxy",
  "lab05-load-balancer",
  "lab06-scale-out",
  "lab07-http2",
].filter((lab) => existsSync(path.join(repoRoot, "solutions", lab, "nginx.conf.template")));
const choices = [
  {},
  ...["labs", "solutions"].flatMap((TRACK) => labsBehindNginx.map((LAB) => ({ TRACK, LAB }))),
];
const describeChoice = (env: Record<string, string>) =>
  Object.keys(env).length === 0 ? "defaults" : `TRACK=${env.TRACK} LAB=${env.LAB}`;

/** Host-side paths of bind mounts ("./x:/y:ro"); named volumes ("node_modules:/y") are skipped. */
function bindMounts(service: Service, env: Record<string, string>) {
  return (service.volumes ?? [])
    .map((volume) => interpolate(volume, env).split(":"))
    .filter(([source]) => source?.startsWith("."))
    .map(([source, target]) => ({ source: path.normalize(source ?? ""), target: target ?? "" }));
}

describe("docker-compose.yml", () => {
  test("nginx, two app instances and redis, on pinned official images", () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(["nginx", "app1", "app2", "redis"]),
    );
    for (const [name, service] of Object.entries(services)) {
      expect(service.image, `${name}: pin a version (image:1.2.3-alpine), never latest`).toMatch(
        /^(nginx|node|redis):\d+\.\d+(\.\d+)?-alpine$/,
      );
    }
  });

  test.each(choices)(
    "every mounted file exists and every template is one the tests run ($LAB)",
    (env) => {
      const tested = new Set(nginxTemplates());
      for (const [name, service] of Object.entries(services)) {
        for (const { source, target } of bindMounts(service, env)) {
          expect(
            existsSync(path.join(repoRoot, source)),
            `${describeChoice(env)}: ${name} mounts ${source}, which does not exist`,
          ).toBe(true);
          if (target.startsWith("/etc/nginx/templates/")) {
            expect(
              tested.has(source),
              `${describeChoice(env)}: ${source} is mounted into nginx but no test runs it`,
            ).toBe(true);
          }
        }
      }
    },
  );

  test.each(choices)("the app instances run a server.ts that exists ($LAB)", (env) => {
    for (const name of ["app1", "app2"]) {
      const script = (services[name]?.command ?? []).map((arg) => interpolate(arg, env)).at(-1);
      expect(
        existsSync(path.join(repoRoot, script ?? "missing")),
        `${describeChoice(env)}: ${name} runs ${script}, which does not exist`,
      ).toBe(true);
    }
  });

  test.each(choices)(
    "nginx gets every variable its template uses, and names real services and ports ($LAB)",
    (env) => {
      const nginx = services.nginx ?? {};
      const environment = Object.fromEntries(
        Object.entries(nginx.environment ?? {}).map(([name, value]) => [
          name,
          interpolate(String(value), env),
        ]),
      );
      const template = bindMounts(nginx, env).find((mount) =>
        mount.target.startsWith("/etc/nginx/templates/"),
      );
      const text = readFileSync(path.join(repoRoot, template?.source ?? ""), "utf8");
      const used = [...new Set([...text.matchAll(/\$\{([A-Z][A-Z0-9_]*)\}/g)].map((m) => m[1]))];
      for (const name of used) {
        expect(
          environment[name as string],
          `${template?.source} uses \${${name}}, not set in nginx's environment`,
        ).toBeDefined();
      }

      const published = (nginx.ports ?? []).map((port) => port.split(":")[1]);
      expect(published, "nginx listens on NGINX_PORT, the port it publishes").toContain(
        environment.NGINX_PORT,
      );
      for (const name of ["APP_UPSTREAM", "APP_1", "APP_2"]) {
        const [host, port] = (environment[name] ?? "").split(":");
        const app = services[host ?? ""];
        expect(app, `${name}=${environment[name]}: no service called ${host}`).toBeDefined();
        expect(
          app?.environment?.PORT,
          `${name}=${environment[name]}: ${host} listens on PORT ${app?.environment?.PORT}`,
        ).toBe(port);
        expect(app?.environment?.HOST, `${host} must listen beyond its loopback`).toBe("0.0.0.0");
      }
    },
  );

  test("lab 07: the image's nginx (1.28) gets `listen … ssl;` + `http2 on;` and a certificate where the template looks", () => {
    const nginx = services.nginx ?? {};
    const env = { LAB: "lab07-http2" };
    const environment = Object.fromEntries(
      Object.entries(nginx.environment ?? {}).map(([name, value]) => [
        name,
        interpolate(String(value), env),
      ]),
    );
    expect(nginx.image, "the http2 directive needs nginx ≥ 1.25.1").toMatch(
      /^nginx:1\.(2[5-9]|[3-9]\d)\./,
    );
    const mounts = bindMounts(nginx, env);
    const template = mounts.find((mount) => mount.target.startsWith("/etc/nginx/templates/"));
    const rendered = renderTemplate(
      readFileSync(path.join(repoRoot, template?.source ?? ""), "utf8"),
      environment,
    );
    expect(rendered, "no deprecated `listen … http2` for the image").not.toMatch(
      /^\s*listen[^;#]*\bhttp2\b/m,
    );
    expect(rendered).toMatch(/^\s*listen 80 ssl\s*;/m);
    expect(rendered).toMatch(/^\s*http2 on;/m);
    expect(rendered).toMatch(/^\s*ssl_certificate tls\/cert\.pem;/m);

    // The certificate script runs from the image's entrypoint, before the templates are rendered.
    const script = mounts.find((mount) => mount.target.startsWith("/docker-entrypoint.d/"));
    expect(
      script?.target,
      "mounted as an entrypoint script that runs before envsubst (20-…)",
    ).toMatch(/^\/docker-entrypoint\.d\/1\d-[\w-]+\.sh$/);
    const scriptPath = path.join(repoRoot, script?.source ?? "");
    expect(
      () => accessSync(scriptPath, constants.X_OK),
      "the image runs only executable scripts",
    ).not.toThrow();
    const text = readFileSync(scriptPath, "utf8");
    expect(text, "it writes where `ssl_certificate tls/…` points: /etc/nginx/tls").toContain(
      "dir=/etc/nginx/tls",
    );
    expect(text).toContain('"$dir/cert.pem"');
    expect(text).toContain('"$dir/key.pem"');
  });
});
