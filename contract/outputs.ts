/**
 * The stack-output contract: what `pulumi stack output --json` prints, written
 * once as a zod schema. The program builds these values (components/), and every
 * reader parses them with this schema: the smoke CLI (client/outputs.ts), the
 * offline plan (plan/workloads.ts) and the PR-stack comment (.github/scripts).
 */
import { z } from "zod";
import { INVOKER_MODES, SERVICE_INGRESS, type Ingress } from "./config";

const text = z.string().min(1);

/** The service's ingress, as the stack config names it: anything but "all" answers only from inside the VPC (or through the load balancer). */
export const ingressSchema = z.enum(Object.keys(SERVICE_INGRESS) as [Ingress, ...Ingress[]]);

/** Everything a caller needs to prove a service is locked. */
export const serviceSmokeTestSchema = z.object({
  kind: z.literal("service"),
  name: text,
  /** The service's https://…run.app URL. */
  url: z.url({ protocol: /^https?$/ }),
  /** The audience to mint ID tokens for: the URL, or the first custom audience. */
  audience: text,
  /** Path the smoke test calls, e.g. "/health/". */
  path: z.string().startsWith("/"),
  /** Where the service can be called from: a smoke test outside the VPC cannot reach an internal one. */
  ingress: ingressSchema,
  /** What the front end must answer: no token → 403, a principal without the role → 403, an invoker's ID token → 2xx. */
  expect: z.object({ anonymous: z.literal(403), outsider: z.literal(403), invoker: z.literal("2xx") }),
  /** Commands a person can paste. */
  commands: z.object({
    /** curl with `gcloud auth print-identity-token` (users who hold the role). */
    user: z.string(),
    /** curl with a token minted by impersonating a service account (`--impersonate-service-account`, `--audiences`). */
    serviceAccount: z.string(),
  }),
});

/** Everything a caller needs to prove who may run a job (and, with `run`, that it runs). */
export const jobSmokeTestSchema = z.object({
  kind: z.literal("job"),
  name: text,
  project: text,
  region: text,
  /** POST target: https://run.googleapis.com/v2/projects/P/locations/R/jobs/J:run */
  runUrl: z.string(),
  /** The job's `smokeRun`: true = the smoke test executes it; false = only its IAM is checked. */
  run: z.boolean(),
  expect: z.object({
    /** `:run` without a token: Google APIs answer 401 before IAM is consulted. */
    anonymous: z.literal(401),
    /** `:run` by a principal without run.jobs.run. */
    outsider: z.literal(403),
    /** The permission `:testIamPermissions` must list for an invoker (nothing is executed). */
    invoker: z.literal("run.jobs.run"),
    /** With `run`: an execution must finish successfully; without: none is started. */
    execution: z.enum(["succeeded", "not-run"]),
  }),
  commands: z.object({
    /** `gcloud run jobs execute J --region R --project P --wait` */
    execute: z.string(),
  }),
});

/** Outputs shared by services and jobs. */
const workloadOutputs = {
  /** Audiences an ID token may carry (services: URL + customAudiences; jobs: []). */
  audiences: z.array(z.string()),
  /** The workload's dedicated runtime service account. */
  serviceAccountEmail: z.string(),
  /** Digest-pinned image reference: <region>-docker.pkg.dev/<project>/<repo>/<image>@sha256:… */
  image: z.string(),
  /** A prebuilt image as the config names it (REGISTRY/PATH:TAG or …@sha256:…); absent for a built one. */
  imageReference: z.string().optional(),
  /** The effective invoker list: groups expanded, duplicates merged, sorted. */
  invokers: z.array(z.string()),
  /** "authoritative" (Binding) or "additive" (Member per principal). */
  invokerMode: z.enum(INVOKER_MODES),
  /** The IAM role granted to the invokers. */
  invokerRole: z.string(),
  /**
   * The secrets the workload reads, env name → secret id and version; its runtime
   * account holds roles/secretmanager.secretAccessor on each of those secrets only.
   * (Stacks deployed before secrets existed have none.)
   */
  secrets: z.record(z.string(), z.object({ secret: text, version: text })).optional(),
};

export const serviceOutputsSchema = z.object({ ...workloadOutputs, url: z.string(), ingress: ingressSchema, smokeTest: serviceSmokeTestSchema });
export const jobOutputsSchema = z.object({
  ...workloadOutputs,
  /**
   * When the job runs on a schedule: Cloud Scheduler's dedicated account (also in
   * `invokers`, marked as the scheduler by readers), the cron and its time zone.
   */
  scheduler: z.object({ serviceAccountEmail: text, schedule: text, timeZone: text }).optional(),
  smokeTest: jobSmokeTestSchema,
});

/** The whole stack's outputs. A stack without services (or jobs) may leave that map out. */
export const stackOutputsSchema = z.object({
  project: z.string(),
  region: z.string(),
  services: z.record(z.string(), serviceOutputsSchema).default({}),
  jobs: z.record(z.string(), jobOutputsSchema).default({}),
});

export type ServiceSmokeTest = z.infer<typeof serviceSmokeTestSchema>;
export type JobSmokeTest = z.infer<typeof jobSmokeTestSchema>;
export type SmokeTest = ServiceSmokeTest | JobSmokeTest;
export type ServiceOutputs = z.infer<typeof serviceOutputsSchema>;
export type JobOutputs = z.infer<typeof jobOutputsSchema>;
export type StackOutputs = z.infer<typeof stackOutputsSchema>;

/** Every problem of a value that is not this stack's outputs, one line each: `services.hello.smokeTest.url: Invalid URL`. */
export function outputProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
}
