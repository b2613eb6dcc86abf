/**
 * The one place that reads stack config. Everything is validated with zod
 * BEFORE any resource is registered, and every problem is reported at once,
 * each naming the key path, the bad value and the fix (issue 2).
 *
 * `parseStackConfig` is pure (a `StackConfig` record in, typed settings out);
 * `readStackConfig` feeds it Pulumi's runtime config.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { SERVICE_INGRESS, type Ingress } from "./components/ingress";
import type { InvokerMode } from "./components/invokerAccess";
import { runtimeAccountId } from "./components/naming";
import { expandPrincipals, validateGroups, type PrincipalGroups } from "./components/principals";
import type { StackConfig } from "./offline/types";

/** The config namespace of this project (`name` in Pulumi.yaml). */
export const NAMESPACE = "private-cloud-run";

/** Roles an invoker list may be granted. `roles/run.invoker` covers both kinds. */
export const SERVICE_ROLES = ["roles/run.invoker", "roles/run.servicesInvoker"] as const;
export const JOB_ROLES = ["roles/run.invoker", "roles/run.jobsExecutor", "roles/run.jobsExecutorWithOverrides"] as const;

export type { InvokerMode };

/** Settings shared by services and jobs, after validation and group expansion. */
interface WorkloadSettings {
  name: string;
  /** Build context, relative to the project directory. */
  source: string;
  /** Effective invokers: groups expanded, duplicates merged, sorted. */
  invokers: string[];
  invokerMode: InvokerMode;
  invokerRole: string;
  deletionProtection: boolean;
}
export interface ServiceSettings extends WorkloadSettings {
  ingress: Ingress;
  customAudiences: string[];
  smokePath: string;
  port: number;
}
export interface JobSettings extends WorkloadSettings {
  command?: string[];
  args?: string[];
  tasks: number;
  maxRetries: number;
  /** Task timeout in seconds, as the API writes it ("600s"). */
  timeout: string;
}
export interface RepositorySettings {
  /** Artifact Registry repository id. */
  id: string;
  /** KEEP policy: the N most recent versions of each image. */
  keepRecentVersions: number;
  /** DELETE policy: untagged versions older than this, in whole seconds ("604800s"). */
  deleteUntaggedOlderThan: string;
  /** True = policies are only evaluated, nothing is deleted. */
  cleanupDryRun: boolean;
}
/** The whole stack config, validated. */
export interface StackSettings {
  project: string;
  region: string;
  repository: RepositorySettings;
  principals: Record<string, string[]>;
  services: ServiceSettings[];
  jobs: JobSettings[];
}

/** One config problem: where, what, and (in the message) how to fix it. */
export interface ConfigProblem {
  path: string;
  value: unknown;
  message: string;
}

/** Thrown before any resource is registered when the stack config is invalid. Lists every problem. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    const lines = problems.map((p) => `  - ${p.path}: ${showValue(p.value)} ${p.message}`);
    super(`Invalid stack config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${lines.join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

function showValue(value: unknown): string {
  if (value === undefined) return "(missing)";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

// ---------------------------------------------------------------- schema

/** Cloud Run names: lowercase letters, digits and dashes, starting with a letter, not ending with a dash. */
const WORKLOAD_NAME = /^[a-z](?:[-a-z0-9]*[a-z0-9])?$/;
/** Cloud Run refuses longer names: services < 50 characters, jobs < 64. */
const MAX_SERVICE_NAME = 49;
const MAX_JOB_NAME = 63;
const DURATION = /^(\d+)(s|m|h|d)$/;
/** Cloud Run limits on jobs: tasks per execution, and the task timeout (168 hours). */
const MAX_TASKS = 10000;
const MAX_TASK_TIMEOUT_SECONDS = 168 * 3600;
const SECONDS_PER_UNIT = { s: 1, m: 60, h: 3600, d: 86400 } as const;

const workloadName = (max: number) =>
  z
    .string({ error: "must be a string; write a lowercase name such as hello" })
    .regex(WORKLOAD_NAME, {
      error: "is not a name Cloud Run accepts; use lowercase letters, digits and dashes, starting with a letter and not ending with a dash",
    })
    .max(max, { error: `is too long for Cloud Run; use at most ${max} characters` });

const source = z
  .string({ error: "must be a string; write the build context directory, e.g. ./app" })
  .min(1, { error: "is empty; write the build context directory, e.g. ./app" });

const stringList = (what: string) =>
  z.array(z.string({ error: `must be a string; ${what}` }).min(1, { error: `is empty; ${what}` }), {
    error: `must be a list; ${what}`,
  });

const invokerMode = z.enum(["authoritative", "additive"], {
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

/** `invokers`: checked entry by entry against the named groups (unknown groups, public members, malformed emails…). */
const invokerList = (groups: PrincipalGroups) =>
  z
    .array(z.unknown(), { error: `must be a list; write IAM members or group names, e.g. [team, "user:alice@example.com"]` })
    .min(1, { error: "is empty; list at least one principal that may invoke this workload" })
    .superRefine((entries, ctx) => {
      for (const problem of expandPrincipals(entries, groups).problems) {
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

/** Audiences are compared exactly with a token's `aud`: a stray space would make one that no token ever matches. */
const customAudiences = z.array(
  z
    .string({ error: "must be a string; write an audience such as https://api.example.com" })
    .min(1, { error: "is empty; write an audience such as https://api.example.com, or remove the entry" })
    .regex(/^\S*$/, { error: "contains whitespace, and audiences are matched exactly against the token's aud; remove it" }),
  { error: "must be a list; write e.g. [https://api.example.com]" },
);

const duration = (example: string) =>
  z.string({ error: `must be a duration string; write e.g. ${example}` }).regex(DURATION, {
    error: `is not a whole-number duration; write a whole number followed by s, m, h or d, e.g. ${example}`,
  });

const commonWorkload = (groups: PrincipalGroups) => ({
  source,
  invokers: invokerList(groups),
  invokerMode: invokerMode.optional(),
  deletionProtection: z.boolean({ error: "must be true or false" }).optional(),
});

const serviceSchema = (groups: PrincipalGroups) =>
  z.strictObject(
    {
      name: workloadName(MAX_SERVICE_NAME),
      ...commonWorkload(groups),
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
    },
    { error: unknownKeyMessage },
  );

const jobSchema = (groups: PrincipalGroups) =>
  z.strictObject(
    {
      name: workloadName(MAX_JOB_NAME),
      ...commonWorkload(groups),
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
    },
    { error: unknownKeyMessage },
  );

function unknownKeyMessage(issue: { code?: string }): string | undefined {
  if (issue.code === "invalid_type") return "must be a mapping of settings (name, source, invokers, …)";
  return undefined;
}

const principalsSchema = z.record(z.string(), z.array(z.unknown(), { error: 'must be a list of IAM members or group names; write e.g. [user:alice@example.com, group:eng@example.com]' }), {
  error: "must be a mapping of group name to a list of IAM members; write e.g. team: [user:alice@example.com]",
});

const stackSchema = (groups: PrincipalGroups) =>
  z.object({
    "gcp:project": z.string({ error: "is required; set it with `pulumi config set gcp:project YOUR_PROJECT_ID`" }).regex(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/, {
      error: "is not a GCP project id; use 6-30 lowercase letters, digits and dashes",
    }),
    "gcp:region": z.string({ error: "is required; set it with `pulumi config set gcp:region asia-east1`" }).regex(/^[a-z]+-[a-z]+\d+$/, {
      error: "is not a GCP region; write e.g. asia-east1",
    }),
    [`${NAMESPACE}:principals`]: principalsSchema.optional(),
    [`${NAMESPACE}:services`]: z.array(serviceSchema(groups), { error: "must be a list of services" }).optional(),
    [`${NAMESPACE}:jobs`]: z.array(jobSchema(groups), { error: "must be a list of jobs" }).optional(),
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
  });

/** Keys this project reads; any other `private-cloud-run:*` key is a typo. */
const KNOWN_KEYS = new Set(Object.keys(stackSchema({}).shape));
const SERVICE_KEYS = Object.keys(serviceSchema({}).shape);
/** Settings other tools use to open a service to everyone (Cloud Run's API, gcloud's flag): refused by name. */
const PUBLIC_SWITCHES = new Set(["invokeriamdisabled", "allowunauthenticated", "allow-unauthenticated"]);
const JOB_KEYS = Object.keys(jobSchema({}).shape);

/**
 * The fix for an unknown key: "did you mean invokers? A service takes …" when a
 * known key is the typo's near neighbour (case, a missing or extra letter, a
 * swap), else just `rest`.
 */
function didYouMean(key: string, known: readonly string[], rest: string): string {
  const lower = key.toLowerCase();
  const scored = known.map((candidate) => ({ candidate, distance: editDistance(lower, candidate.toLowerCase()) }));
  const best = scored.sort((a, b) => a.distance - b.distance)[0];
  const near = best !== undefined && best.distance <= Math.min(2, Math.floor(best.candidate.length / 3));
  return near ? `did you mean ${best.candidate}? ${rest.charAt(0).toUpperCase()}${rest.slice(1)}` : rest;
}

/** Levenshtein distance, with an adjacent swap counted as one edit. Keys are short. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

// ---------------------------------------------------------------- parsing

/**
 * Validates a stack config (fully qualified keys, values as YAML holds them or
 * as JSON strings as Pulumi's runtime holds them) and returns typed settings
 * with defaults applied. Throws ConfigError listing every problem.
 */
export function parseStackConfig(config: StackConfig): StackSettings {
  const input = decodeValues(config);
  const rawGroups = input[`${NAMESPACE}:principals`];
  const groups: PrincipalGroups = isGroupMap(rawGroups) ? rawGroups : {};
  const problems: ConfigProblem[] = [...unknownKeyProblems(input), ...groupProblems(groups), ...duplicateNameProblems(input)];
  const parsed = stackSchema(groups).safeParse(input, { reportInput: true });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(...toProblems(issue, input));
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(sortProblems(problems));
  return toSettings(parsed.data, groups);
}

/** Reads the current stack's config from Pulumi's runtime and validates it. */
export function readStackConfig(): StackSettings {
  return parseStackConfig(pulumi.runtime.allConfig());
}

/** Pulumi hands structured and typed values over as JSON strings; YAML files hold them as values. Accept both. */
function decodeValues(config: StackConfig): Record<string, unknown> {
  const decoded: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    const stringKey = key === `${NAMESPACE}:repository` || key === `${NAMESPACE}:deleteUntaggedOlderThan` || !key.startsWith(`${NAMESPACE}:`);
    decoded[key] = typeof value === "string" && !stringKey ? tryJson(value) : value;
  }
  return decoded;
}

function tryJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Any mapping: its entries are checked one by one, so one bad group does not hide the good ones. */
function isGroupMap(value: unknown): value is PrincipalGroups {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function unknownKeyProblems(input: Record<string, unknown>): ConfigProblem[] {
  return Object.keys(input)
    .filter((key) => key.startsWith(`${NAMESPACE}:`) && !KNOWN_KEYS.has(key))
    .map((key) => ({ path: key, value: input[key], message: `is not a key this stack reads; ${didYouMean(key, [...KNOWN_KEYS], "check the spelling against docs/stack.md")}` }));
}

function groupProblems(groups: PrincipalGroups): ConfigProblem[] {
  return validateGroups(groups).map((p) => ({
    path: `${NAMESPACE}:principals.${p.group}${p.index === null ? "" : `[${p.index}]`}`,
    value: p.value,
    message: p.message,
  }));
}

/**
 * Names must be unique per kind: they become Cloud Run names, service account
 * ids and output keys. Distinct names can still map to one runtime service
 * account id (short names are padded, long ones shortened: "x" and "run-x"
 * both give "run-x-svc"), which GCP would refuse mid-deploy: say so now.
 */
function duplicateNameProblems(input: Record<string, unknown>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const kind of ["services", "jobs"] as const) {
    const list = input[`${NAMESPACE}:${kind}`];
    if (!Array.isArray(list)) continue;
    const singular = kind === "services" ? "service" : "job";
    const byName = new Map<string, number>();
    const byAccountId = new Map<string, number>();
    list.forEach((item, index) => {
      const name = (item as { name?: unknown } | null)?.name;
      if (typeof name !== "string" || !WORKLOAD_NAME.test(name)) return;
      const path = `${NAMESPACE}:${kind}[${index}].name`;
      const sameName = byName.get(name);
      const accountId = runtimeAccountId(singular, name);
      const sameAccount = byAccountId.get(accountId);
      if (sameName !== undefined) {
        problems.push({ path, value: name, message: `is already used by ${NAMESPACE}:${kind}[${sameName}]; give each ${singular} a unique name` });
      } else if (sameAccount !== undefined) {
        problems.push({
          path,
          value: name,
          message: `would get the same runtime service account id (${accountId}) as ${NAMESPACE}:${kind}[${sameAccount}]; rename one of them`,
        });
      }
      byName.set(name, byName.get(name) ?? index);
      byAccountId.set(accountId, byAccountId.get(accountId) ?? index);
    });
  }
  return problems;
}

function toProblems(issue: z.core.$ZodIssue, input: Record<string, unknown>): ConfigProblem[] {
  if (issue.code === "unrecognized_keys") {
    // One problem per unknown key, at the key itself: `services[0].invoker: … is not a setting`.
    const kind = issue.path[0] === `${NAMESPACE}:jobs` ? "job" : "service";
    const known = kind === "job" ? JOB_KEYS : SERVICE_KEYS;
    return issue.keys.map((key) => ({
      path: formatPath([...issue.path, key]),
      value: valueAt(input, [...issue.path, key]),
      message: PUBLIC_SWITCHES.has(key.toLowerCase())
        ? `would make the ${kind} public; this stack never grants public access, so it has no such setting. List who may call it in invokers`
        : `is not a setting this stack reads; ${didYouMean(key, known, `a ${kind} takes ${known.join(", ")} (docs/stack.md)`)}`,
    }));
  }
  const value = valueAt(input, issue.path);
  // A missing key: say "is required" and keep the hint after the ";".
  const message = value === undefined && issue.code === "invalid_type" ? `is required;${issue.message.split(";").slice(1).join(";") || " add it"}` : issue.message;
  return [{ path: formatPath(issue.path), value, message }];
}

/** ["private-cloud-run:services", 0, "invokers", 2] → "private-cloud-run:services[0].invokers[2]". */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => (typeof key === "number" ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)), "");
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((value, key) => (value && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[key] : undefined), input);
}

function sortProblems(problems: ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort((a, b) => a.path.localeCompare(b.path, "en", { numeric: true }));
}

// ---------------------------------------------------------------- defaults

/** Defaults, named so docs/stack.md and the code say the same thing. */
export const DEFAULTS = {
  repository: "private-cloud-run",
  keepRecentVersions: 10,
  deleteUntaggedOlderThan: "7d",
  cleanupDryRun: false,
  deletionProtection: true,
  ingress: "all" as Ingress,
  invokerMode: "authoritative" as InvokerMode,
  invokerRole: "roles/run.invoker",
  /** The app serves /health and /health/ (DESIGN.md uses /health/); probes and the smoke test call it. */
  smokePath: "/health/",
  port: 8080,
  tasks: 1,
  maxRetries: 3,
  timeout: "600s",
};

type ParsedStack = z.infer<ReturnType<typeof stackSchema>>;

function toSettings(data: ParsedStack, groups: PrincipalGroups): StackSettings {
  const get = <T>(key: string) => (data as Record<string, unknown>)[`${NAMESPACE}:${key}`] as T | undefined;
  const stackProtection = get<boolean>("deletionProtection") ?? DEFAULTS.deletionProtection;
  /** The keys services and jobs share, with the same defaults for both. */
  const workload = (w: { name: string; source: string; invokers: unknown[]; invokerMode?: InvokerMode; invokerRole?: string; deletionProtection?: boolean }): WorkloadSettings => ({
    name: w.name,
    source: w.source,
    invokers: expandPrincipals(w.invokers, groups).members,
    invokerMode: w.invokerMode ?? DEFAULTS.invokerMode,
    invokerRole: w.invokerRole ?? DEFAULTS.invokerRole,
    deletionProtection: w.deletionProtection ?? stackProtection,
  });
  const services = (get<z.infer<ReturnType<typeof serviceSchema>>[]>("services") ?? []).map(
    (s): ServiceSettings => ({
      ...workload(s),
      ingress: s.ingress ?? DEFAULTS.ingress,
      customAudiences: [...new Set(s.customAudiences ?? [])],
      smokePath: s.smokePath ?? DEFAULTS.smokePath,
      port: s.port ?? DEFAULTS.port,
    }),
  );
  const jobs = (get<z.infer<ReturnType<typeof jobSchema>>[]>("jobs") ?? []).map(
    (j): JobSettings => ({
      ...workload(j),
      command: j.command,
      args: j.args,
      tasks: j.tasks ?? DEFAULTS.tasks,
      maxRetries: j.maxRetries ?? DEFAULTS.maxRetries,
      timeout: toSeconds(j.timeout ?? DEFAULTS.timeout),
    }),
  );
  return {
    project: data["gcp:project"],
    region: data["gcp:region"],
    repository: {
      id: get<string>("repository") ?? DEFAULTS.repository,
      keepRecentVersions: get<number>("keepRecentVersions") ?? DEFAULTS.keepRecentVersions,
      deleteUntaggedOlderThan: toSeconds(get<string>("deleteUntaggedOlderThan") ?? DEFAULTS.deleteUntaggedOlderThan),
      cleanupDryRun: get<boolean>("cleanupDryRun") ?? DEFAULTS.cleanupDryRun,
    },
    principals: Object.fromEntries(Object.keys(groups).map((name) => [name, expandPrincipals([name], groups).members])),
    services,
    jobs,
  };
}

/** "7d" → "604800s": the API takes whole seconds, and a whole number avoids the provider's fractional-duration bug. */
export function toSeconds(duration: string): string {
  const value = seconds(duration);
  if (Number.isNaN(value)) throw new Error(`not a whole-number duration: ${JSON.stringify(duration)}`);
  return `${value}s`;
}

/** "7d" → 604800; NaN for anything that is not a whole-number duration (the schema's regex reports those). */
function seconds(duration: string): number {
  const match = DURATION.exec(duration);
  return match ? Number(match[1]) * SECONDS_PER_UNIT[match[2] as keyof typeof SECONDS_PER_UNIT] : Number.NaN;
}
