/**
 * Builds the smoke-test descriptors of the stack outputs (their shape is the
 * contract's, contract/outputs.ts). Pure functions, no Pulumi: the components call
 * them inside an `apply` once the URL is known; tests call them directly.
 */
import type { Ingress, JobSmokeTest, ServiceSmokeTest } from "../contract";

/** What a service's smoke test is built from. */
export interface ServiceSmokeInput {
  name: string;
  /** The service's https://…run.app URL. */
  url: string;
  /** Configured custom audiences, if any. */
  customAudiences: readonly string[];
  /** Path to call, starting with "/". */
  path: string;
  /** Effective invoker list (used to pick a service account for the impersonation command). */
  invokers: readonly string[];
  /** The service's ingress: the smoke test reaches anything but "all" only from inside the VPC. */
  ingress: Ingress;
}

/** Placeholder used in the impersonation command when no service account is an invoker. */
export const SERVICE_ACCOUNT_PLACEHOLDER = "INVOKER_SA@PROJECT.iam.gserviceaccount.com";

/** Audiences an ID token may carry for a service: its run.app URL, then the custom audiences. */
export function serviceAudiences(url: string, customAudiences: readonly string[]): string[] {
  return [...new Set([url, ...customAudiences])];
}

/** The audience to mint tokens for: the first custom audience if any (stable across URLs), else the URL. */
export function primaryAudience(url: string, customAudiences: readonly string[]): string {
  return customAudiences[0] ?? url;
}

/** Single-quotes a value for a POSIX shell. */
function shellQuote(value: string): string {
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Builds the smoke-test descriptor of a service. */
export function buildServiceSmokeTest(input: ServiceSmokeInput): ServiceSmokeTest {
  const audience = primaryAudience(input.url, input.customAudiences);
  const target = shellQuote(`${input.url.replace(/\/+$/, "")}${input.path}`);
  const invokerSa = input.invokers.find((m) => m.startsWith("serviceAccount:"))?.slice("serviceAccount:".length) ?? SERVICE_ACCOUNT_PLACEHOLDER;
  const curl = (tokenCommand: string) => `curl -sS -o /dev/null -w '%{http_code}\\n' -H "Authorization: Bearer $(${tokenCommand})" ${target}`;
  return {
    kind: "service",
    name: input.name,
    url: input.url,
    audience,
    path: input.path,
    ingress: input.ingress,
    expect: { anonymous: 403, outsider: 403, invoker: "2xx" },
    commands: {
      // A user's own ID token (aud = gcloud's client id) is accepted for users who hold the role; --audiences is not allowed for users.
      user: curl("gcloud auth print-identity-token"),
      serviceAccount: curl(
        `gcloud auth print-identity-token --impersonate-service-account=${shellQuote(invokerSa)} --audiences=${shellQuote(audience)} --include-email`,
      ),
    },
  };
}

/** What a job's smoke test is built from. */
export interface JobSmokeInput {
  name: string;
  project: string;
  region: string;
  /** The job's `smokeRun`: the smoke test executes it. @default false */
  run?: boolean;
}

/** The Cloud Run Admin API URL that starts an execution of a job (POST, OAuth access token). */
export function jobRunUrl(input: JobSmokeInput): string {
  return `https://run.googleapis.com/v2/projects/${input.project}/locations/${input.region}/jobs/${input.name}:run`;
}

/** Builds the smoke-test descriptor of a job. */
export function buildJobSmokeTest(input: JobSmokeInput): JobSmokeTest {
  return {
    kind: "job",
    name: input.name,
    project: input.project,
    region: input.region,
    runUrl: jobRunUrl(input),
    run: input.run ?? false,
    expect: { anonymous: 401, outsider: 403, invoker: "run.jobs.run", execution: input.run ? "succeeded" : "not-run" },
    commands: {
      execute: `gcloud run jobs execute ${shellQuote(input.name)} --region ${shellQuote(input.region)} --project ${shellQuote(input.project)} --wait`,
    },
  };
}
