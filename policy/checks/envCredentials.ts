/**
 * Advisory: a plain environment variable whose name looks like a credential.
 * Plain values are part of the service or job itself: anyone who may view it
 * (run.services.get / run.jobs.get, e.g. a project Viewer) reads them. A
 * credential belongs in Secret Manager, referenced under `secrets:`.
 */
import { formatPath, isPlainObject, readPath, runtimeTemplatePath, workloadKind } from "../../contract";
import { PolicyRule } from "./types";

/** Words that name a credential, compared with each `_`-separated word of the name (so KEY flags API_KEY, not MONKEY). */
const CREDENTIAL_WORDS: ReadonlySet<string> = new Set(["PASSWORD", "PASSWD", "TOKEN", "SECRET", "KEY", "APIKEY", "CREDENTIAL", "CREDENTIALS"]);

/** True when an environment variable's name looks like it holds a credential: DB_PASSWORD, GITHUB_TOKEN, STRIPE_SECRET_KEY, apiKey. */
export function looksLikeCredential(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toUpperCase()
    .split(/[^A-Z0-9]+/);
  return words.some((word) => CREDENTIAL_WORDS.has(word));
}

/** Advisory: plain env values under credential-like names, on services (v1, v2) and jobs. */
export const noCredentialsInPlainEnv: PolicyRule = {
  name: "env-credentials-in-secrets",
  description: "An environment variable whose name looks like a credential (PASSWORD, TOKEN, SECRET, KEY, …) reads from Secret Manager, not from a plain value.",
  enforcementLevel: "advisory",
  check(resource) {
    const template = runtimeTemplatePath(resource.type);
    if (!template) return [];
    const containers = readPath(resource.inputs, [...template, "containers"]);
    if (!Array.isArray(containers)) return [];
    // @pulumi/gcp names the list `envs` in v2 and in v1 alike.
    const envKey = "envs";
    return containers.flatMap((container, c) => {
      const envs = isPlainObject(container) ? container[envKey] : undefined;
      if (!Array.isArray(envs)) return [];
      return envs.flatMap((env, e) => {
        if (!isPlainObject(env) || typeof env.name !== "string" || !("value" in env) || !looksLikeCredential(env.name)) return [];
        const path = formatPath([...template, "containers", c, envKey, e]);
        return [
          `${path}: ${env.name} looks like a credential but holds a plain value, which anyone who may view ${workloadKind(resource.type)} ${resource.name} can read. ` +
            `Fix: store it in Secret Manager and reference it under secrets: in the stack config (docs/stack.md).`,
        ];
      });
    });
  },
};
