/**
 * The stack config contract: what a stack file holds, what the program makes of
 * it (typed settings), and how a bad config is reported. Pure types and values,
 * no Pulumi: config/ validates against it, components/ and the plan read it.
 */
import { show } from "./values";
import type { RuntimeSettings, ScalingSettings, ScheduleSettings } from "./workload";

/** The config namespace of this project (`name` in Pulumi.yaml). */
export const NAMESPACE = "private-cloud-run";

/** Stack configuration as Pulumi holds it: fully-qualified keys ("gcp:project", "private-cloud-run:services") to values. */
export type StackConfig = Record<string, unknown>;

/**
 * Friendly ingress names (what the stack config says) → Cloud Run API values.
 * Ingress limits where requests may come from; IAM still applies in every case.
 */
export const SERVICE_INGRESS = {
  /** Reachable from the internet — but only principals holding the invoker role get past Google's front end. */
  all: "INGRESS_TRAFFIC_ALL",
  /** Only from the project's VPC networks (and Shared VPC), plus a few Google services. */
  internal: "INGRESS_TRAFFIC_INTERNAL_ONLY",
  /** Internal, plus requests through an external Application Load Balancer. */
  "internal-and-cloud-load-balancing": "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
} as const;
export type Ingress = keyof typeof SERVICE_INGRESS;

/**
 * "authoritative": one IAM Binding, the list is the single source of truth.
 * "additive": one IAM Member per principal, other grants are left alone.
 */
export const INVOKER_MODES = ["authoritative", "additive"] as const;
export type InvokerMode = (typeof INVOKER_MODES)[number];

/** Settings shared by services and jobs, after validation and group expansion. */
export interface WorkloadSettings extends RuntimeSettings {
  name: string;
  /** Build context, relative to the project directory; or, instead, `image`. */
  source?: string;
  /** A prebuilt image (REGISTRY/PATH:TAG or …@sha256:DIGEST); or, instead, `source`. */
  image?: string;
  /** The Dockerfile, relative to `source`; unset = source's Dockerfile. Only with `source`. */
  dockerfile?: string;
  /** Effective invokers: groups expanded, `workload:NAME` resolved to that workload's runtime account, duplicates merged, sorted. */
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
  /** CPU only while a request is being served (request-based billing). */
  cpuIdle: boolean;
  startupCpuBoost: boolean;
  scaling: ScalingSettings;
  /** Requests one instance serves at once. */
  concurrency: number;
  /** Request timeout in seconds, as the API writes it ("300s"). */
  timeout: string;
}
export interface JobSettings extends WorkloadSettings {
  command?: string[];
  args?: string[];
  tasks: number;
  maxRetries: number;
  /** Task timeout in seconds, as the API writes it ("600s"). */
  timeout: string;
  /** Cloud Scheduler runs the job on this schedule, as its own dedicated account. */
  schedule?: ScheduleSettings;
  /** The smoke test executes the job (true) or only checks its IAM (false). */
  smokeRun: boolean;
}
export interface RepositorySettings {
  /** Artifact Registry repository id. */
  id: string;
  /** False: the repository exists already (another stack, e.g. dev, owns it); this stack only pushes to it. */
  create: boolean;
  /** Appended to every image name ("-pr42"), so a stack pushing to another's repository never overwrites its images. */
  imageNameSuffix: string;
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

/**
 * One config problem: where (a key path, or the stack file itself), the value
 * when there is one, and (in the message) how to fix it.
 */
export interface ConfigProblem {
  path: string;
  value?: unknown;
  message: string;
}

/**
 * A stack config that cannot be used: an unreadable stack file or invalid
 * settings. Thrown before any resource is registered; lists every problem, so
 * the plan prints them all and exits 2.
 */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    const lines = problems.map((p) => `  - ${p.path}: ${"value" in p ? `${show(p.value, { missing: "(missing)", max: 120 })} ` : ""}${p.message}`);
    super(`Invalid stack config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${lines.join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}
