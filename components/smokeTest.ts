/**
 * Stack-output contract: what `pulumi stack output --json` prints, and what the
 * smoke CLI (`npm run smoke -- --outputs FILE | --stack NAME`), the CI workflows
 * and the offline plan read. Types only here; the builder functions live beside
 * them (pure, no Pulumi), written by the stack work.
 */

/** Everything a caller needs to prove a service is locked. */
export interface ServiceSmokeTest {
  kind: "service";
  name: string;
  /** The service's https://…run.app URL. */
  url: string;
  /** The audience to mint ID tokens for: the URL, or the first custom audience. */
  audience: string;
  /** Path the smoke test calls, e.g. "/health/". */
  path: string;
  /** What the front end must answer: no token → 403, an invoker's ID token → 2xx. */
  expect: { anonymous: 403; invoker: "2xx" };
  /** Commands a person can paste. */
  commands: {
    /** curl with `gcloud auth print-identity-token` (users who hold the role). */
    user: string;
    /** curl with a token minted by impersonating a service account (`--impersonate-service-account`, `--audiences`). */
    serviceAccount: string;
  };
}

/** Everything a caller needs to prove a job runs for an invoker. */
export interface JobSmokeTest {
  kind: "job";
  name: string;
  project: string;
  region: string;
  /** POST target: https://run.googleapis.com/v2/projects/P/locations/R/jobs/J:run */
  runUrl: string;
  /** An execution started by an invoker must finish successfully. */
  expect: { execution: "succeeded" };
  commands: {
    /** `gcloud run jobs execute J --region R --project P --wait` */
    execute: string;
  };
}

export type SmokeTest = ServiceSmokeTest | JobSmokeTest;

/** Outputs shared by services and jobs. */
interface WorkloadOutputs {
  /** Audiences an ID token may carry (services: URL + customAudiences; jobs: []). */
  audiences: string[];
  /** The workload's dedicated runtime service account. */
  serviceAccountEmail: string;
  /** Digest-pinned image reference: <region>-docker.pkg.dev/<project>/<repo>/<image>@sha256:… */
  image: string;
  /** The effective invoker list: groups expanded, duplicates merged, sorted. */
  invokers: string[];
  /** "authoritative" (Binding) or "additive" (Member per principal). */
  invokerMode: "authoritative" | "additive";
  /** The IAM role granted to the invokers. */
  invokerRole: string;
}

export interface ServiceOutputs extends WorkloadOutputs {
  url: string;
  smokeTest: ServiceSmokeTest;
}

export interface JobOutputs extends WorkloadOutputs {
  smokeTest: JobSmokeTest;
}

/** The whole stack's outputs. */
export interface StackOutputs {
  project: string;
  region: string;
  services: Record<string, ServiceOutputs>;
  jobs: Record<string, JobOutputs>;
}

// ---------------------------------------------------------------- builders
// Pure functions (no Pulumi): the stack calls them inside an `apply` once the
// URL is known; tests call them directly.

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
    expect: { anonymous: 403, invoker: "2xx" },
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
    expect: { execution: "succeeded" },
    commands: {
      execute: `gcloud run jobs execute ${shellQuote(input.name)} --region ${shellQuote(input.region)} --project ${shellQuote(input.project)} --wait`,
    },
  };
}
