// Every nginx template in the repo — the labs' starters and solutions, and proxy/ — renders
// with the variables the tests and docker-compose.yml give, and passes `nginx -t`.
// A starter's template must be valid too: a student's first run should not be a syntax error.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import {
  checkNginxConfig,
  nginxTemplates,
  renderTemplate,
  repoRoot,
  templateVariables,
} from "./helpers/index.ts";

describe("nginx templates", () => {
  test("there are templates for labs 04 and 05 in both tracks, and the default proxy", () => {
    expect(nginxTemplates()).toEqual(
      expect.arrayContaining([
        "proxy/default-proxy.conf.template",
        "labs/lab04-reverse-proxy/nginx.conf.template",
        "solutions/lab04-reverse-proxy/nginx.conf.template",
        "labs/lab05-load-balancer/nginx.conf.template",
        "solutions/lab05-load-balancer/nginx.conf.template",
      ]),
    );
  });

  test.each(nginxTemplates())("%s renders and passes nginx -t", (file) => {
    const template = readFileSync(path.join(repoRoot, file), "utf8");
    const rendered = renderTemplate(template, templateVariables);
    expect(rendered, "nginx's own variables stay for nginx").not.toMatch(/\$\{[A-Z_0-9]+\}/);
    const { ok, output } = checkNginxConfig(path.join(repoRoot, file), templateVariables);
    expect(ok, `nginx -t rejected ${file}:\n${output}`).toBe(true);
  });

  test("rendering replaces only the given variables, as the image's envsubst does", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: envsubst syntax, not JavaScript
    const rendered = renderTemplate("listen ${NGINX_PORT}; set $x $host$NGINX_PORT; $arg_client", {
      NGINX_PORT: 80,
    });
    expect(rendered).toBe("listen 80; set $x $host80; $arg_client");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: envsubst syntax, not JavaScript
    expect(() => renderTemplate("server ${APP_2};", { APP_1: "a:1" })).toThrow(/APP_2/);
  });
});
