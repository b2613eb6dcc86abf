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
