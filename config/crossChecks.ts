/**
 * Rules that tie two settings of a workload (or a workload and the stack)
 * together: Cloud Run's CPU/memory table, what under 1 CPU requires, scaling
 * bounds against their defaults, one value per variable name, a subnetwork in
 * the stack's region. Read from the raw config, each side checked on its own
 * first, so a rule speaks only when both of its values are valid, and is still
 * reported when something else in the same workload is wrong.
 */
import { isMapping, NAMESPACE, WORKLOAD_DEFAULTS, type ConfigProblem } from "../contract";
import { OVERRIDES_ROLE } from "../components/jobSchedule";
import { SERVICE_DEFAULTS } from "../components/privateService";
import { concurrencySchema, jobResourcesSchema, memoryMiB, serviceResourcesSchema, SUBNETWORK_REGION, vpcSchema } from "./runtimeKeys";

type Kind = "service" | "job";
type Raw = Record<string, unknown>;

/** Every cross-key problem of every workload. */
export function crossKeyProblems(input: Record<string, unknown>): ConfigProblem[] {
  const region = input["gcp:region"];
  return (["services", "jobs"] as const).flatMap((list) => {
    const items = input[`${NAMESPACE}:${list}`];
    if (!Array.isArray(items)) return [];
    const kind: Kind = list === "services" ? "service" : "job";
    return items.flatMap((item, index) => {
      if (typeof item !== "object" || item === null || Array.isArray(item)) return [];
      const at = (key: string) => `${NAMESPACE}:${list}[${index}].${key}`;
      const workload = item as Raw;
      return [
        ...sourceOrImage(workload, at),
        ...oneValuePerName(workload, at),
        ...resourceProblems(kind, workload, at),
        ...(kind === "service" ? scalingProblems(workload, at) : []),
        ...subnetworkRegionProblems(workload, at, typeof region === "string" ? region : undefined),
        ...(kind === "job" ? scheduleProblems(workload, at) : []),
      ];
    });
  });
}

/** A workload is built from a `source` or deployed from a prebuilt `image`: exactly one of the two. */
function sourceOrImage(workload: Raw, at: (key: string) => string): ConfigProblem[] {
  if (workload.source === undefined && workload.image === undefined) {
    return [{ path: at("source"), value: undefined, message: "is required; write the build context directory, e.g. ./app (or image: for a prebuilt image)" }];
  }
  if (workload.source !== undefined && workload.image !== undefined) {
    return [{ path: at("image"), value: workload.image, message: "is set next to source; a workload is built from source or deployed from a prebuilt image, not both: remove one" }];
  }
  if (workload.image !== undefined && workload.dockerfile !== undefined) {
    return [{ path: at("dockerfile"), value: workload.dockerfile, message: "is set next to image; a Dockerfile is only used to build a source: remove dockerfile (or build from source instead of image)" }];
  }
  return [];
}

/** A name under both `env` and `secrets` would have two values. */
function oneValuePerName(workload: Raw, at: (key: string) => string): ConfigProblem[] {
  const { env, secrets } = workload;
  if (!isMapping(env) || !isMapping(secrets)) return [];
  return Object.keys(secrets)
    .filter((name) => Object.prototype.hasOwnProperty.call(env, name))
    .map((name) => ({ path: at(`secrets.${name}`), value: secrets[name], message: `names ${name}, which env sets too; a variable has one value: keep it under secrets and remove it from env` }));
}

/** Cloud Run's CPU and memory table (configuring/services/cpu, configuring/jobs/cpu), and what under 1 CPU requires of a service. */
function resourceProblems(kind: Kind, workload: Raw, at: (key: string) => string): ConfigProblem[] {
  const raw = workload.resources;
  if (!isMapping(raw)) return [];
  const parsed = (kind === "service" ? serviceResourcesSchema : jobResourcesSchema).safeParse(raw);
  if (!parsed.success) return [];
  const cpu = Number(parsed.data.cpu ?? WORKLOAD_DEFAULTS.cpu);
  const memory = parsed.data.memory ?? WORKLOAD_DEFAULTS.memory;
  const mib = memoryMiB(memory);
  const problems: ConfigProblem[] = [];
  const memoryProblem = (message: string) => problems.push({ path: at("resources.memory"), value: raw.memory ?? memory, message });
  const cpuProblem = (message: string) => problems.push({ path: at("resources.cpu"), value: raw.cpu ?? WORKLOAD_DEFAULTS.cpu, message });

  const neededCpu = mib > 24 * 1024 ? 8 : mib > 16 * 1024 ? 6 : mib > 8 * 1024 ? 4 : mib > 4 * 1024 ? 2 : 0;
  if (cpu >= 1 && cpu < neededCpu) {
    memoryProblem(`needs ${neededCpu === 8 ? "" : "at least "}${neededCpu} CPUs (Cloud Run: over 4Gi needs 2, over 8Gi 4, over 16Gi 6, over 24Gi 8); raise resources.cpu or lower the memory`);
  }
  const neededMib = cpu >= 6 ? 4 * 1024 : cpu >= 4 ? 2 * 1024 : 0;
  if (mib < neededMib) cpuProblem(`needs at least ${neededMib / 1024}Gi of memory (Cloud Run: 4 CPUs need 2Gi, 6 and 8 need 4Gi); raise resources.memory or lower the CPUs`);
  if (cpu < 1) {
    if (mib > 1024) memoryProblem("is more than 1Gi, which needs at least 1 CPU; raise resources.cpu to 1 or lower the memory");
    else if (cpu < 0.5 && mib > 512) memoryProblem("is more than 512Mi, which needs at least 0.5 CPU; raise resources.cpu or lower the memory");
    if (raw.cpuIdle === false) {
      problems.push({ path: at("resources.cpuIdle"), value: false, message: "is false, but under 1 CPU Cloud Run gives CPU only while serving requests; remove it or use 1 CPU" });
    }
    const concurrency = concurrencySchema.safeParse(workload.concurrency);
    if (concurrency.success && concurrency.data !== 1) {
      problems.push({ path: at("concurrency"), value: concurrency.data, message: "must be 1 under 1 CPU (Cloud Run's rule); set concurrency: 1 or resources.cpu: 1" });
    }
  }
  return problems;
}

/** min ≤ max, each side's default counted when it is left out. */
function scalingProblems(workload: Raw, at: (key: string) => string): ConfigProblem[] {
  const scaling = workload.scaling;
  if (!isMapping(scaling)) return [];
  const whole = (value: unknown) => (typeof value === "number" && Number.isInteger(value) ? value : undefined);
  const min = whole(scaling.min) ?? (scaling.min === undefined ? SERVICE_DEFAULTS.scaling.min : undefined);
  const max = whole(scaling.max) ?? (scaling.max === undefined ? SERVICE_DEFAULTS.scaling.max : undefined);
  if (min === undefined || max === undefined || min <= max || max < 1) return [];
  return [
    scaling.max === undefined
      ? { path: at("scaling.min"), value: min, message: `is above the default maximum of ${max} instances; set scaling.max too` }
      : { path: at("scaling.min"), value: min, message: `is above scaling.max (${max}); the minimum cannot exceed the maximum` },
  ];
}

/** Direct VPC egress takes a subnetwork of the workload's own region. */
function subnetworkRegionProblems(workload: Raw, at: (key: string) => string, region: string | undefined): ConfigProblem[] {
  const vpc = vpcSchema.safeParse(workload.vpc);
  const subnetwork = vpc.success ? vpc.data.subnetwork : undefined;
  const subnetRegion = subnetwork === undefined ? undefined : SUBNETWORK_REGION.exec(subnetwork)?.[1];
  if (region === undefined || subnetRegion === undefined || subnetRegion === region) return [];
  return [{ path: at("vpc.subnetwork"), value: subnetwork, message: `is in ${subnetRegion}, but the stack's workloads run in ${region}; use a subnetwork of ${region}` }];
}

/**
 * A time zone is read with a schedule only; and a scheduled job's scheduler
 * account joins its invokers, so a role that also lets it override the job's
 * command, args and env would give it more than running the job.
 */
function scheduleProblems(workload: Raw, at: (key: string) => string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (workload.timeZone !== undefined && workload.schedule === undefined) {
    problems.push({ path: at("timeZone"), value: workload.timeZone, message: "has no schedule to apply to; add schedule (e.g. 0 3 * * *) or remove timeZone" });
  }
  if (workload.schedule !== undefined && workload.invokerRole === OVERRIDES_ROLE) {
    problems.push({
      path: at("schedule"),
      value: workload.schedule,
      message: `would give the job's scheduler account ${OVERRIDES_ROLE}, which also overrides the job's command, args and env; use invokerRole roles/run.jobsExecutor (or roles/run.invoker) for a scheduled job`,
    });
  }
  return problems;
}

