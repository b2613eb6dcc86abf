/**
 * `npm run smoke -- …`: proves a deployment is locked. Exits 0 only if every
 * check passed, 1 if a check failed, 2 on bad usage, 4 on an unexpected error (docs/cli.md).
 *
 *   npm run smoke -- --url https://hello-abc-de.a.run.app [--audience AUD] [--path /health/]
 *   npm run smoke -- --outputs outputs.json      # pulumi stack output --json > outputs.json
 *   npm run smoke -- --stack dev                 # runs pulumi stack output --json --stack dev
 *   options: --timeout SECONDS (600) --header-mode authorization|x-serverless --impersonate SA --outsider SA --inside-vpc --json
 */
import { parseArgs } from "node:util";
import { argumentError, EXIT, runMain } from "../../runner/cli";
import { clientEnvironment } from "../env";
import { ClientError, UsageError } from "../errors";
import { parseHeaderMode } from "../headers";
import { readOutputsFile, readStackOutputs, SmokeTargets } from "../outputs";
import { redact, safeMessage } from "../redact";
import { CheckResult, ProgressEvent, runSmoke, SmokeReport } from "../smoke";
import { parseSeconds, parseUrl, tokenSourceFor } from "./common";

const USAGE = `Usage: npm run smoke -- (--url URL [--audience AUD] [--path /health/] | --outputs FILE | --stack NAME)
                        [--timeout SECONDS] [--header-mode authorization|x-serverless] [--impersonate SA]
                        [--outsider SA] [--inside-vpc] [--json]

Checks each service: no token → 403; --outsider's ID token → 403; your ID token in Authorization
→ 2xx; the same token in X-Serverless-Authorization beside an unrelated Authorization → 2xx
(403s are retried until --timeout, for IAM propagation; 401 fails at once). A service whose
ingress is internal is reported as not reachable from here unless --inside-vpc says this runs
inside its VPC. Each job: :run with no token → 401, as --outsider → 403, and you hold
run.jobs.run (testIamPermissions; nothing runs); a job with smokeRun: true is also executed
(as your own credentials, not --impersonate's) and must succeed.
Credentials: Application Default Credentials (gcloud auth application-default login,
GOOGLE_APPLICATION_CREDENTIALS, or the metadata server), or --impersonate SA; --outsider SA
is minted the same way and must hold no grant.
Environment: PCR_RUN_API (Cloud Run Admin API base), PCR_IAM_CREDENTIALS_ENDPOINT.`;

interface Settings {
  targets: SmokeTargets;
  timeoutMs: number;
  headerMode?: "authorization" | "x-serverless";
  impersonate?: string;
  outsider?: string;
  insideVpc: boolean;
  json: boolean;
}

async function settingsFrom(argv: string[]): Promise<Settings | "help"> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      options: {
        url: { type: "string" },
        audience: { type: "string" },
        path: { type: "string" },
        outputs: { type: "string" },
        stack: { type: "string" },
        timeout: { type: "string", default: "600" },
        "header-mode": { type: "string" },
        impersonate: { type: "string" },
        outsider: { type: "string" },
        "inside-vpc": { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    throw argumentError(error, "npm run smoke -- --url URL", "npm run smoke -- --help");
  }
  const { values } = parsed;
  if (values.help) return "help";
  const sources = (["url", "outputs", "stack"] as const).filter((key) => values[key] !== undefined);
  if (sources.length !== 1) {
    throw new UsageError(sources.length ? `--${sources.join(" and --")} cannot be combined` : "nothing to check", "pass exactly one of --url URL, --outputs FILE or --stack NAME");
  }
  if ((values.audience !== undefined || values.path !== undefined) && values.url === undefined) {
    throw new UsageError("--audience and --path go with --url", "with --outputs/--stack they come from the stack outputs");
  }
  const mode = values["header-mode"] === undefined ? undefined : parseHeaderModeFlag(values["header-mode"]);
  for (const flag of ["impersonate", "outsider"] as const) {
    // An unset CI variable arrives as "": never fall back to the caller's own credentials for it.
    if (values[flag] !== undefined && values[flag].trim() === "") {
      throw new UsageError(`--${flag} is empty`, `pass a service account email; in CI, set the repository variable the step reads (GCP_${flag === "impersonate" ? "SMOKE" : "OUTSIDER"}_SERVICE_ACCOUNT_<STACK>, from bootstrap's ghCommands)`);
    }
  }
  if (values.outsider !== undefined && values.outsider === values.impersonate) {
    throw new UsageError(`--outsider: "${values.outsider}" is also --impersonate`, "the outsider must be an account with no grant, and the invoker one that is listed in invokers: pass two different accounts");
  }
  return {
    targets: await targetsFrom(values),
    timeoutMs: parseSeconds(values.timeout, "--timeout") * 1000,
    headerMode: mode === "auto" ? undefined : mode,
    impersonate: values.impersonate,
    outsider: values.outsider,
    insideVpc: values["inside-vpc"],
    json: values.json,
  };
}

/** The smoke test runs both header checks unless told one; "auto" (the library's default) also means both. */
function parseHeaderModeFlag(value: string) {
  try {
    return parseHeaderMode(value, "--header-mode");
  } catch {
    throw new UsageError(`--header-mode: "${value}" is not a header mode`, "use --header-mode authorization or --header-mode x-serverless to run one token check, or leave it out to run both");
  }
}

async function targetsFrom(values: { url?: string; audience?: string; path?: string; outputs?: string; stack?: string }): Promise<SmokeTargets> {
  if (values.outputs !== undefined) return readOutputsFile(values.outputs);
  if (values.stack !== undefined) return readStackOutputs(values.stack);
  const url = parseUrl(values.url as string, "--url");
  if (url.pathname !== "/" || url.search !== "") {
    // The checks call origin + --path; a path in --url would otherwise be dropped without a word.
    throw new UsageError(`--url: "${values.url}" has a path; the smoke test calls the service's origin + --path`, `pass --url ${url.origin} --path ${url.pathname}${url.search}`);
  }
  const path = values.path ?? "/health/";
  if (!path.startsWith("/")) throw new UsageError(`--path: "${path}" must start with /`, "e.g. --path /health/");
  return { services: [{ name: url.hostname, url: url.origin, audience: values.audience ?? url.origin, path, ingress: "all" }], jobs: [] };
}

/** One live line, rewritten in place; only on a terminal. */
function progressLine(event: ProgressEvent): void {
  const status = event.status === undefined ? "" : `, last ${event.status}`;
  process.stdout.write(`\r\x1b[2K${event.target} ${event.check}: attempt ${event.attempt}, ${(event.elapsedMs / 1000).toFixed(1)}s${status}`);
  if (event.done) process.stdout.write("\r\x1b[2K");
}

function formatCheck(check: CheckResult): string {
  const head = `  ${check.passed ? "✔" : "✘"} ${check.check}: ${check.message}`;
  return check.hint && !check.passed ? `${head}\n      → ${check.hint}` : head;
}

/** The human report, printed at the end. */
export function formatReport(report: SmokeReport): string {
  const lines: string[] = [];
  for (const service of report.services) {
    if (service.skipped) {
      lines.push(`– service ${service.name} (${service.url}): ${service.skipped}`);
      continue;
    }
    lines.push(`${service.passed ? "✔" : "✘"} service ${service.name} (${service.url}${service.path})${service.caller ? ` as ${service.caller}` : ""}`);
    lines.push(...service.checks.map(formatCheck));
  }
  for (const job of report.jobs) {
    lines.push(`${job.passed ? "✔" : "✘"} job ${job.name} (${job.job})${job.run ? "" : ": IAM checked, not executed (smokeRun: false)"}`);
    lines.push(...job.checks.map(formatCheck));
  }
  const checks = [...report.services, ...report.jobs].flatMap((target) => target.checks);
  const failed = checks.filter((check) => !check.passed).length;
  const skipped = report.services.filter((service) => service.skipped).length;
  const notReached = skipped > 0 ? ` ${skipped} service(s) not reachable from here, not checked.` : "";
  lines.push(failed === 0 ? `Smoke test passed: ${checks.length}/${checks.length} checks in ${(report.elapsedMs / 1000).toFixed(1)}s.${notReached}` : `Smoke test FAILED: ${failed} of ${checks.length} checks failed.${notReached}`);
  return lines.join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const json = argv.includes("--json");
  let settings: Settings | "help";
  try {
    settings = await settingsFrom(argv);
  } catch (error) {
    return usageFailure(error, json);
  }
  if (settings === "help") {
    console.log(USAGE);
    return EXIT.ok;
  }
  let apiBase: string;
  let tokens;
  let outsider;
  let executionTokens;
  try {
    apiBase = clientEnvironment().runApi;
    tokens = tokenSourceFor(settings.impersonate);
    outsider = settings.outsider === undefined ? undefined : tokenSourceFor(settings.outsider, "--outsider");
    // An impersonated invoker (the smoke account) has no run.operations.get: jobs with smokeRun run as the credentials themselves.
    executionTokens = settings.impersonate === undefined ? undefined : tokenSourceFor(undefined);
  } catch (error) {
    return usageFailure(error, settings.json);
  }
  const live = process.stdout.isTTY === true && !settings.json;
  const report = await runSmoke(settings.targets, {
    tokens,
    outsider,
    executionTokens,
    insideVpc: settings.insideVpc,
    apiBase,
    headerMode: settings.headerMode,
    propagationTimeoutMs: settings.timeoutMs,
    jobTimeoutMs: settings.timeoutMs,
    onProgress: live ? progressLine : undefined,
  });
  // Reports are built from redacted parts; redact once more as a last line of defence.
  console.log(redact(settings.json ? JSON.stringify(report, null, 2) : formatReport(report)));
  return report.passed ? EXIT.ok : EXIT.failed;
}

function usageFailure(error: unknown, json: boolean): number {
  const message = error instanceof ClientError ? error.summary : safeMessage(error);
  const hint = error instanceof ClientError ? error.hint : undefined;
  if (json) console.log(JSON.stringify({ passed: false, error: { message, hint } }, null, 2));
  else console.error(`smoke: ${message}${hint ? `\n  → ${hint}` : ""}`);
  return EXIT.usage;
}

if (require.main === module) runMain("smoke", main);
