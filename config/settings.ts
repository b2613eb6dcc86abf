/**
 * Validated config → typed settings, each default taken from the component that
 * applies it (components/*_DEFAULTS), so the config and the components cannot
 * disagree on what an unset key means.
 */
import type { z } from "zod";
import { NAMESPACE, REPOSITORY_DEFAULTS, WORKLOAD_DEFAULTS, type InvokerMode, type JobSettings, type ServiceSettings, type StackSettings, type WorkloadSettings } from "../contract";
import { INVOKER_DEFAULTS } from "../components/invokerAccess";
import { expandPrincipals, type PrincipalGroups, type WorkloadResolver } from "../components/principals";
import { JOB_DEFAULTS } from "../components/privateJob";
import { defaultConcurrency, SERVICE_DEFAULTS } from "../components/privateService";
import { toSeconds, type jobSchema, type serviceSchema, type stackSchema } from "./schema";

type ParsedStack = z.infer<typeof stackSchema>;
type ParsedService = z.infer<typeof serviceSchema>;
type ParsedJob = z.infer<typeof jobSchema>;
/** The keys services and jobs share, as the schema parsed them. */
type ParsedWorkload = Pick<ParsedService, "name" | "source" | "image" | "dockerfile" | "invokers" | "invokerMode" | "deletionProtection" | "env" | "serviceUrls" | "secrets" | "vpc" | "labels"> & {
  invokerRole?: string;
  resources?: { cpu?: string; memory?: string };
};

/** Settings from a config the schema accepted, defaults applied and groups expanded. */
export function toSettings(data: ParsedStack, groups: PrincipalGroups, workloads: WorkloadResolver): StackSettings {
  const get = <T>(key: string) => (data as Record<string, unknown>)[`${NAMESPACE}:${key}`] as T | undefined;
  const stackProtection = get<boolean>("deletionProtection") ?? WORKLOAD_DEFAULTS.deletionProtection;
  const workload = (w: ParsedWorkload) => workloadSettings(w, groups, workloads, stackProtection);
  return {
    project: data["gcp:project"],
    region: data["gcp:region"],
    repository: {
      id: get<string>("repository") ?? REPOSITORY_DEFAULTS.repositoryId,
      create: get<boolean>("createRepository") ?? REPOSITORY_DEFAULTS.createRepository,
      imageNameSuffix: get<string>("imageNameSuffix") ?? REPOSITORY_DEFAULTS.imageNameSuffix,
      keepRecentVersions: get<number>("keepRecentVersions") ?? REPOSITORY_DEFAULTS.keepRecentVersions,
      deleteUntaggedOlderThan: toSeconds(get<string>("deleteUntaggedOlderThan") ?? REPOSITORY_DEFAULTS.deleteUntaggedOlderThan),
      cleanupDryRun: get<boolean>("cleanupDryRun") ?? REPOSITORY_DEFAULTS.cleanupDryRun,
    },
    principals: Object.fromEntries(Object.keys(groups).map((name) => [name, expandPrincipals([name], groups, workloads).members])),
    services: (get<ParsedService[]>("services") ?? []).map((s) => serviceSettings(s, workload(s))),
    jobs: (get<ParsedJob[]>("jobs") ?? []).map((j) => jobSettings(j, workload(j))),
  };
}

/** The keys services and jobs share, with the same defaults for both. */
function workloadSettings(w: ParsedWorkload, groups: PrincipalGroups, workloads: WorkloadResolver, stackProtection: boolean): WorkloadSettings {
  return {
    name: w.name,
    ...(w.source !== undefined ? { source: w.source } : {}),
    ...(w.image !== undefined ? { image: w.image } : {}),
    ...(w.dockerfile === undefined ? {} : { dockerfile: w.dockerfile }),
    invokers: expandPrincipals(w.invokers, groups, workloads).members,
    invokerMode: w.invokerMode ?? (INVOKER_DEFAULTS.mode as InvokerMode),
    invokerRole: w.invokerRole ?? INVOKER_DEFAULTS.role,
    deletionProtection: w.deletionProtection ?? stackProtection,
    env: { ...(w.env ?? {}) },
    serviceUrls: { ...(w.serviceUrls ?? {}) },
    secrets: { ...(w.secrets ?? {}) },
    resources: { cpu: w.resources?.cpu ?? WORKLOAD_DEFAULTS.cpu, memory: w.resources?.memory ?? WORKLOAD_DEFAULTS.memory },
    ...(w.vpc ? { vpc: { ...w.vpc, egress: w.vpc.egress ?? WORKLOAD_DEFAULTS.vpcEgress } } : {}),
    labels: { ...(w.labels ?? {}) },
  };
}

function serviceSettings(s: ParsedService, common: WorkloadSettings): ServiceSettings {
  return {
    ...common,
    ingress: s.ingress ?? SERVICE_DEFAULTS.ingress,
    customAudiences: [...new Set(s.customAudiences ?? [])],
    smokePath: s.smokePath ?? SERVICE_DEFAULTS.smokePath,
    port: s.port ?? SERVICE_DEFAULTS.port,
    cpuIdle: s.resources?.cpuIdle ?? SERVICE_DEFAULTS.cpuIdle,
    startupCpuBoost: s.resources?.startupCpuBoost ?? SERVICE_DEFAULTS.startupCpuBoost,
    scaling: { min: s.scaling?.min ?? SERVICE_DEFAULTS.scaling.min, max: s.scaling?.max ?? SERVICE_DEFAULTS.scaling.max },
    concurrency: s.concurrency ?? defaultConcurrency(common.resources.cpu),
    timeout: toSeconds(s.timeout ?? SERVICE_DEFAULTS.timeout),
  };
}

function jobSettings(j: ParsedJob, common: WorkloadSettings): JobSettings {
  return {
    ...common,
    command: j.command,
    args: j.args,
    tasks: j.tasks ?? JOB_DEFAULTS.tasks,
    maxRetries: j.maxRetries ?? JOB_DEFAULTS.maxRetries,
    timeout: toSeconds(j.timeout ?? JOB_DEFAULTS.timeout),
    ...(j.schedule !== undefined ? { schedule: { cron: j.schedule, timeZone: j.timeZone ?? JOB_DEFAULTS.timeZone } } : {}),
    smokeRun: j.smokeRun ?? JOB_DEFAULTS.smokeRun,
  };
}
