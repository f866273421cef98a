import { launchNginx, type RunningNginx } from "../../tools/nginx-process.ts";
import { onCleanup } from "./cleanup.ts";

export {
  checkNginxConfig,
  findNginx,
  http2ListenSyntax,
  nginxTemplates,
  type RunningNginx,
  renderTemplate,
  templateVariables,
} from "../../tools/nginx-process.ts";

/**
 * Start a real nginx for one test: `templatePath` rendered with `vars` plus NGINX_PORT
 * (a free port), in its own temp prefix. It is stopped by pid after the test, pass or fail.
 * Put `nginx.errorLog()` in assertion messages about proxied requests.
 */
export async function startNginx(
  templatePath: string,
  vars: Record<string, string | number> = {},
): Promise<RunningNginx> {
  const nginx = await launchNginx(templatePath, vars);
  onCleanup(nginx.stop);
  return nginx;
}
