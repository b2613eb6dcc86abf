/**
 * The zod schema of a stack config: every key, its type, its limits, and the
 * message that names the fix. Messages follow the key and its value
 * ("services[0].port: 0 is not a TCP port; use 1-65535, e.g. 8080").
 */
import { z } from "zod";
import { INVOKER_MODES, NAMESPACE, SERVICE_INGRESS, WORKLOAD_DEFAULTS, type Ingress } from "../contract";
import { audienceProblem } from "../components/audiences";
import { dockerfilePathProblem, sourcePathProblem } from "../components/buildContext";
import { expandPrincipals, type PrincipalGroups, type WorkloadResolver } from "../components/principals";
import { imageSchema } from "./imageKeys";
import { scheduleSchema, timeZoneSchema } from "./scheduleKeys";
import { serviceUrlsSchema } from "./serviceUrls";
import { concurrencySchema, envSchema, jobResourcesSchema, labelsSchema, scalingSchema, secretsSchema, serviceResourcesSchema, vpcSchema } from "./runtimeKeys";

/** Roles an invoker list may be granted. `roles/run.invoker` covers both kinds. */
export const SERVICE_ROLES = ["roles/run.invoker", "roles/run.servicesInvoker"] as const;
export const JOB_ROLES = ["roles/run.invoker", "roles/run.jobsExecutor", "roles/run.jobsExecutorWithOverrides"] as const;

/** Cloud Run names: lowercase letters, digits and dashes, starting with a letter, not ending with a dash. */
export const WORKLOAD_NAME = /^[a-z](?:[-a-z0-9]*[a-z0-9])?$/;
/** Cloud Run refuses longer names: services < 50 characters, jobs < 64. */
const MAX_SERVICE_NAME = 49;
const MAX_JOB_NAME = 63;
const DURATION = /^(\d+)(s|m|h|d)$/;
/** Cloud Run limits on jobs: tasks per execution, and the task timeout (168 hours). */
const MAX_TASKS = 10000;
const MAX_TASK_TIMEOUT_SECONDS = 168 * 3600;
/** Cloud Run's longest request timeout (configuring/request-timeout). */
const MAX_REQUEST_TIMEOUT_SECONDS = 3600;
const SECONDS_PER_UNIT = { s: 1, m: 60, h: 3600, d: 86400 } as const;

const workloadName = (max: number) =>
  z
    .string({ error: "must be a string; write a lowercase name such as hello" })
    .regex(WORKLOAD_NAME, {
      error: "is not a name Cloud Run accepts; use lowercase letters, digits and dashes, starting with a letter and not ending with a dash",
    })
    .max(max, { error: `is too long for Cloud Run; use at most ${max} characters` });

/** Checked again against the filesystem (symlinks, the Dockerfile, credentials) by config/buildContexts.ts. */
const source = z
  .string({ error: "must be a string; write the build context directory, e.g. ./app" })
  .min(1, { error: "is empty; write the build context directory, e.g. ./app" })
  .superRefine((value, ctx) => {
    const problem = value === "" ? undefined : sourcePathProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem, input: value });
  });

/** Relative to `source`; the builder's default is source's Dockerfile. */
const dockerfile = z.string({ error: "must be a string; name the Dockerfile relative to source, e.g. Dockerfile.prod" }).superRefine((value, ctx) => {
  const problem = dockerfilePathProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem, input: value });
});

const stringList = (what: string) =>
  z.array(z.string({ error: `must be a string; ${what}` }).min(1, { error: `is empty; ${what}` }), {
    error: `must be a list; ${what}`,
  });

const invokerMode = z.enum(INVOKER_MODES, {
  error: "is not an invoker mode; use authoritative (the list is the single source of truth) or additive (grant each listed principal, leave others alone)",
});

/**
 * The invoker role of a service or a job. A role of the other kind gets its own
 * message: `roles/run.jobsExecutor` on a service would grant nothing a caller
 * of its URL needs (no `run.routes.invoke`), `roles/run.servicesInvoker` on a
 * job nothing that runs it (no `run.jobs.run`).
 */
const roleOf = (kind: "service" | "job") => {
  const [roles, otherRoles] = kind === "service" ? [SERVICE_ROLES, JOB_ROLES] : [JOB_ROLES, SERVICE_ROLES];
  const useOneOf = `use one of ${roles.join(", ")}`;
  return z.enum(roles as readonly string[] as [string, ...string[]], {
    error: (issue) =>
      typeof issue.input === "string" && (otherRoles as readonly string[]).includes(issue.input)
        ? kind === "service"
          ? `is a jobs-only role (it lets a principal run a job, not call a service's URL); for a service ${useOneOf}`
          : `is a services-only role (it lets a principal call a service's URL, not run a job); for a job ${useOneOf}`
        : `is not an invoker role this stack grants; ${useOneOf}`,
  });
};

/** What invoker lists name besides IAM members: the principal groups and the workloads of the stack being parsed. */
interface InvokerScope {
  groups: PrincipalGroups;
  workloads: WorkloadResolver;
}

/**
 * The scope of the parse under way. The schemas are built once, at load (building
 * them costs more than a parse), so they cannot close over a stack's groups:
 * `parseStack` sets this for exactly one parse and puts the previous value back.
 */
let invokerScope: InvokerScope | undefined;

function currentInvokerScope(): InvokerScope {
  if (invokerScope === undefined) throw new Error("invoker lists are checked by parseStack, which names the stack's principal groups and workloads");
  return invokerScope;
}

/** `invokers`: checked entry by entry against the stack's groups (unknown groups, public members, malformed emails…). */
const invokerList = z
  .array(z.unknown(), { error: `must be a list; write IAM members or group names, e.g. [team, "user:alice@example.com"]` })
  .min(1, { error: "is empty; list at least one principal that may invoke this workload" })
  .superRefine((entries, ctx) => {
    const { groups, workloads } = currentInvokerScope();
    for (const problem of expandPrincipals(entries, groups, workloads).problems) {
      ctx.addIssue({ code: "custom", path: problem.index === null ? [] : [problem.index], input: problem.value, message: problem.message });
    }
  });

const smokePath = z
  .string({ error: "must be a string; write an absolute path such as /health/" })
  .startsWith("/", { error: "must start with /; write e.g. /health/" })
  .regex(/^\S*$/, { error: "contains whitespace, which a probe path cannot hold; write e.g. /health/" })
  .refine((path) => !path.endsWith("z"), {
    error: "ends in z, and paths ending in z (like /healthz) are reserved on run.app and never reach the container; use /health or /health/",
  });

/**
 * Audiences are compared exactly with a token's `aud`: a stray space would make
 * one that no token ever matches. Only an https:// URL that is not a run.app
 * URL is accepted (components/audiences.ts says why).
 */
const customAudiences = z.array(
  z
    .string({ error: "must be a string; write an audience such as https://api.example.com" })
    .min(1, { error: "is empty; write an audience such as https://api.example.com, or remove the entry" })
    .regex(/^\S*$/, { error: "contains whitespace, and audiences are matched exactly against the token's aud; remove it" })
    .superRefine((audience, ctx) => {
      // Empty and spaced values already have their message.
      const problem = audience === "" || /\s/.test(audience) ? undefined : audienceProblem(audience);
      if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem, input: audience });
    }),
  { error: "must be a list; write e.g. [https://api.example.com]" },
);

const duration = (example: string) =>
  z.string({ error: `must be a duration string; write e.g. ${example}` }).regex(DURATION, {
    error: `is not a whole-number duration; write a whole number followed by s, m, h or d, e.g. ${example}`,
  });

const commonWorkload = {
  // Exactly one of the two (crossChecks.ts says which is missing or extra).
  source: source.optional(),
  image: imageSchema.optional(),
  invokers: invokerList,
  invokerMode: invokerMode.optional(),
  deletionProtection: z.boolean({ error: "must be true or false" }).optional(),
  dockerfile: dockerfile.optional(),
  env: envSchema.optional(),
  serviceUrls: serviceUrlsSchema.optional(),
  secrets: secretsSchema(WORKLOAD_DEFAULTS.secretVersion).optional(),
  vpc: vpcSchema.optional(),
  labels: labelsSchema.optional(),
};

export const serviceSchema = z.strictObject(
  {
    name: workloadName(MAX_SERVICE_NAME),
    ...commonWorkload,
    ingress: z
      .enum(Object.keys(SERVICE_INGRESS) as [Ingress, ...Ingress[]], {
        error: `is not an ingress; use one of ${Object.keys(SERVICE_INGRESS).join(", ")}`,
      })
      .optional(),
    invokerRole: roleOf("service").optional(),
    customAudiences: customAudiences.optional(),
    smokePath: smokePath.optional(),
    port: z
      .number({ error: "must be a number; write e.g. 8080" })
      .int({ error: "must be a whole number; write e.g. 8080" })
      .min(1, { error: "is not a TCP port; use 1-65535, e.g. 8080" })
      .max(65535, { error: "is not a TCP port; use 1-65535, e.g. 8080" })
      .optional(),
    resources: serviceResourcesSchema.optional(),
    scaling: scalingSchema.optional(),
    concurrency: concurrencySchema.optional(),
    timeout: duration("5m")
      .refine((d) => !DURATION.test(d) || (seconds(d) >= 1 && seconds(d) <= MAX_REQUEST_TIMEOUT_SECONDS), { error: "is outside Cloud Run's request timeout range; use 1s to 3600s (60m), e.g. 5m" })
      .optional(),
  },
  { error: unknownKeyMessage },
);

export const jobSchema = z.strictObject(
  {
    name: workloadName(MAX_JOB_NAME),
    ...commonWorkload,
    invokerRole: roleOf("job").optional(),
    command: stringList("write the entrypoint as a list, e.g. [node, dist/job.js]")
      .min(1, { error: "is empty; write the entrypoint, e.g. [node, dist/job.js], or remove the key to use the image's" })
      .optional(),
    args: stringList("write the arguments as a list of strings").optional(),
    tasks: z.number({ error: "must be a number; write e.g. 1" }).int({ error: "must be a whole number" }).min(1, { error: "must be at least 1" }).max(MAX_TASKS, { error: `must be at most ${MAX_TASKS} (Cloud Run's limit)` }).optional(),
    maxRetries: z.number({ error: "must be a number; write e.g. 3" }).int({ error: "must be a whole number" }).min(0, { error: "must be 0 or more" }).max(10, { error: "must be at most 10" }).optional(),
    timeout: duration("600s")
      .refine((d) => !DURATION.test(d) || (seconds(d) >= 1 && seconds(d) <= MAX_TASK_TIMEOUT_SECONDS), { error: "is outside Cloud Run's task timeout range; use 1s to 168h (7 days), e.g. 30m" })
      .optional(),
    resources: jobResourcesSchema.optional(),
    schedule: scheduleSchema.optional(),
    timeZone: timeZoneSchema.optional(),
    smokeRun: z.boolean({ error: "must be true or false; true makes the smoke test execute the job" }).optional(),
  },
  { error: unknownKeyMessage },
);

function unknownKeyMessage(issue: { code?: string }): string | undefined {
  if (issue.code === "invalid_type") return "must be a mapping of settings (name, source, invokers, …)";
  return undefined;
}

/** Appended to image names: a dash, then lowercase letters, digits and single dashes. */
export const IMAGE_NAME_SUFFIX = /^(?=.{2,20}$)-[a-z0-9]+(?:-[a-z0-9]+)*$/;

const principalsSchema = z.record(z.string(), z.array(z.unknown(), { error: 'must be a list of IAM members or group names; write e.g. [user:alice@example.com, group:eng@example.com]' }), {
  error: "must be a mapping of group name to a list of IAM members; write e.g. team: [user:alice@example.com]",
});

export const stackSchema = z.object({
  "gcp:project": z.string({ error: "is required; set it with `pulumi config set gcp:project YOUR_PROJECT_ID`" }).regex(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/, {
    error: "is not a GCP project id; use 6-30 lowercase letters, digits and dashes",
  }),
  "gcp:region": z.string({ error: "is required; set it with `pulumi config set gcp:region asia-east1`" }).regex(/^[a-z]+-[a-z]+\d+$/, {
    error: "is not a GCP region; write e.g. asia-east1",
  }),
  [`${NAMESPACE}:principals`]: principalsSchema.optional(),
  [`${NAMESPACE}:services`]: z.array(serviceSchema, { error: "must be a list of services" }).optional(),
  [`${NAMESPACE}:jobs`]: z.array(jobSchema, { error: "must be a list of jobs" }).optional(),
  [`${NAMESPACE}:deletionProtection`]: z.boolean({ error: "must be true or false" }).optional(),
  [`${NAMESPACE}:repository`]: z
    .string({ error: "must be a string" })
    .regex(/^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/, { error: "is not an Artifact Registry repository id; use lowercase letters, digits and dashes" })
    .optional(),
  [`${NAMESPACE}:keepRecentVersions`]: z.number({ error: "must be a number; write e.g. 10" }).int({ error: "must be a whole number" }).min(1, { error: "must be at least 1, or the deployed image could be deleted" }).optional(),
  [`${NAMESPACE}:deleteUntaggedOlderThan`]: duration("7d")
    .refine((d) => !DURATION.test(d) || seconds(d) >= 1, { error: "is zero; untagged versions need time to be rolled back to, write e.g. 7d" })
    .optional(),
  [`${NAMESPACE}:cleanupDryRun`]: z.boolean({ error: "must be true or false" }).optional(),
  [`${NAMESPACE}:createRepository`]: z.boolean({ error: "must be true or false" }).optional(),
  [`${NAMESPACE}:imageNameSuffix`]: z
    .string({ error: "must be a string; write e.g. -pr42" })
    .regex(IMAGE_NAME_SUFFIX, { error: "is not an image name suffix; write a dash then lowercase letters and digits, e.g. -pr42 (at most 20 characters)" })
    .optional(),
});

/** Keys that configure the repository itself: they belong to the stack that creates it. */
export const REPOSITORY_OWNER_KEYS = ["keepRecentVersions", "deleteUntaggedOlderThan", "cleanupDryRun"].map((key) => `${NAMESPACE}:${key}`);

/** Keys this project reads; any other `private-cloud-run:*` key is a typo. */
export const KNOWN_KEYS = new Set(Object.keys(stackSchema.shape));
export const SERVICE_KEYS = Object.keys(serviceSchema.shape);
/** Settings other tools use to open a service to everyone (Cloud Run's API, gcloud's flag): refused by name. */
export const PUBLIC_SWITCHES = new Set(["invokeriamdisabled", "allowunauthenticated", "allow-unauthenticated"]);
export const JOB_KEYS = Object.keys(jobSchema.shape);

/**
 * Parses a stack config, its invoker lists checked against its own principal groups
 * and workloads. zod's safeParse is synchronous (it throws rather than wait for an
 * async check), so every invoker list of this parse sees this scope, and no other
 * parse does: it is put back before this returns or throws.
 */
export function parseStack(input: Record<string, unknown>, groups: PrincipalGroups, workloads: WorkloadResolver) {
  const outer = invokerScope;
  invokerScope = { groups, workloads };
  try {
    return stackSchema.safeParse(input, { reportInput: true });
  } finally {
    invokerScope = outer;
  }
}

/** "7d" → "604800s": the API takes whole seconds, and a whole number avoids the provider's fractional-duration bug. */
export function toSeconds(duration: string): string {
  const value = seconds(duration);
  if (Number.isNaN(value)) throw new Error(`not a whole-number duration: ${JSON.stringify(duration)}`);
  return `${value}s`;
}

/** "7d" → 604800; NaN for anything that is not a whole-number duration (the schema's regex reports those). */
export function seconds(duration: string): number {
  const match = DURATION.exec(duration);
  return match ? Number(match[1]) * SECONDS_PER_UNIT[match[2] as keyof typeof SECONDS_PER_UNIT] : Number.NaN;
}
