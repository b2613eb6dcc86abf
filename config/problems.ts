/**
 * Config problems zod alone cannot phrase: unknown keys (with "did you mean"),
 * bad principal groups, names that would collide, and zod's own issues turned
 * into `path: value message` with the fix.
 */
import type { z } from "zod";
import { formatPath, NAMESPACE, readPath, type ConfigProblem } from "../contract";
import { runtimeAccountId } from "../components/naming";
import { validateGroups, type PrincipalGroups, type WorkloadResolver } from "../components/principals";
import { didYouMean } from "./didYouMean";
import { NESTED_KEYS } from "./runtimeKeys";
import { JOB_KEYS, KNOWN_KEYS, PUBLIC_SWITCHES, REPOSITORY_OWNER_KEYS, SERVICE_KEYS, WORKLOAD_NAME } from "./schema";

/**
 * Settings one kind of workload has and the other has not, with why: a key that
 * exists, written on the wrong kind, deserves more than "did you mean".
 */
const OTHER_KIND_KEYS: Record<"service" | "job", Record<string, string>> = {
  service: {
    command: "is a job setting; a service runs its image's entrypoint (set CMD in the Dockerfile)",
    args: "is a job setting; a service runs its image's entrypoint (set CMD in the Dockerfile)",
    tasks: "is a job setting; a service scales with scaling: {min, max}",
    maxRetries: "is a job setting; a service has no tasks to retry",
    schedule: "is a job setting; this stack schedules jobs only (Cloud Scheduler runs the job as its own account): move the scheduled work into a job",
    timeZone: "is a job setting, read with a job's schedule",
  },
  job: {
    scaling: "is a service setting; a job runs tasks: set tasks",
    concurrency: "is a service setting; a job's task serves no requests",
    ingress: "is a service setting; a job has no URL (it is run through the Cloud Run Admin API)",
    smokePath: "is a service setting; a job has no URL to probe",
    port: "is a service setting; a job listens on no port",
    cpuIdle: "is a service setting; a job's task always has its CPU",
    startupCpuBoost: "is a service setting; a job's task always has its CPU",
  },
};

export function unknownKeyProblems(input: Record<string, unknown>): ConfigProblem[] {
  return Object.keys(input)
    .filter((key) => key.startsWith(`${NAMESPACE}:`) && !KNOWN_KEYS.has(key))
    .map((key) => ({ path: key, value: input[key], message: `is not a key this stack reads; ${didYouMean(key, [...KNOWN_KEYS], "check the spelling against docs/stack.md")}` }));
}

export function groupProblems(groups: PrincipalGroups, workloads: WorkloadResolver): ConfigProblem[] {
  return validateGroups(groups, workloads).map((p) => ({
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
export function duplicateNameProblems(input: Record<string, unknown>): ConfigProblem[] {
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

/**
 * A stack that pushes to an existing repository (`createRepository: false`)
 * does not manage it: cleanup settings there would be silently ignored, so
 * they are refused at their key.
 */
export function repositoryOwnerProblems(input: Record<string, unknown>): ConfigProblem[] {
  if (input[`${NAMESPACE}:createRepository`] !== false) return [];
  return REPOSITORY_OWNER_KEYS.filter((key) => input[key] !== undefined).map((key) => ({
    path: key,
    value: input[key],
    message: `configures the repository, which this stack does not create (${NAMESPACE}:createRepository is false); set it in the stack that owns the repository, and remove it here`,
  }));
}

export function toProblems(issue: z.core.$ZodIssue, input: Record<string, unknown>): ConfigProblem[] {
  if (issue.code === "unrecognized_keys") {
    // One problem per unknown key, at the key itself: `services[0].invoker: … is not a setting`.
    const kind = issue.path[0] === `${NAMESPACE}:jobs` ? "job" : "service";
    // `services[0].resources.cpuidle`: the keys of that mapping, not of the workload.
    const nested = issue.path.length > 2 ? String(issue.path[issue.path.length - 1]) : undefined;
    const known = nested !== undefined ? (NESTED_KEYS[kind][nested] ?? []) : kind === "job" ? JOB_KEYS : SERVICE_KEYS;
    const what = nested !== undefined ? `${kind} ${nested}` : `a ${kind}`;
    return issue.keys.map((key) => ({
      path: formatPath([...issue.path, key]),
      value: readPath(input, [...issue.path, key] as (string | number)[]),
      message: PUBLIC_SWITCHES.has(key.toLowerCase())
        ? `would make the ${kind} public; this stack never grants public access, so it has no such setting. List who may call it in invokers`
        : (OTHER_KIND_KEYS[kind][key] ?? `is not a setting this stack reads; ${didYouMean(key, known, `${what} takes ${known.join(", ")} (docs/stack.md)`)}`),
    }));
  }
  const value = readPath(input, issue.path as (string | number)[]);
  // A missing key: say "is required" and keep the hint after the ";".
  const message = value === undefined && issue.code === "invalid_type" ? `is required;${issue.message.split(";").slice(1).join(";") || " add it"}` : issue.message;
  return [{ path: formatPath(issue.path), value, message }];
}

export function sortProblems(problems: ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort((a, b) => comparePaths(a.path, b.path));
}

/** Paths in reading order ("services[2]" before "services[10]"), with one collator built once. */
const comparePaths = new Intl.Collator("en", { numeric: true }).compare;
