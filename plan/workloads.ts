import { stackOutputsSchema, type Evaluation, type JobOutputs, type RegisteredResource, type ServiceOutputs, type StackOutputs } from "../contract";
import { isStandInDigest } from "../offline/standInDigest";
import { runtimeSettings } from "./diffWorkloads";
import { publishedFacts } from "./facts";

/** What the plan shows for each service and job. */
export interface WorkloadSummary {
  kind: "service" | "job";
  name: string;
  region: string;
  /** Services: the ingress setting as registered; jobs have no ingress (null). */
  ingress: string | null;
  serviceAccount: string;
  image: string;
  /** As registered; Cloud Run v2 resources default to on when the input is unset. */
  deletionProtection: "on" | "off" | "on (provider default)" | "unknown";
  /** Groups expanded, as the stack exports them. */
  invokers: string[];
  /** "authoritative" or "additive", and the role granted. */
  invokerMode: string;
  invokerRole: string;
  /** Services only. */
  url?: string;
  /** Jobs on a schedule: the member of Cloud Scheduler's dedicated account, one of `invokers`. */
  scheduler?: string;
  /** True when `image` ends in the offline plan's stand-in for a prebuilt tag's digest (the registry's is read at deploy). */
  imageDigestStandIn?: boolean;
  /** What it runs with, as its Cloud Run resource says (plan/diffWorkloads.ts): env, secret references, limits, scaling, VPC, labels. */
  runtime: Map<string, string>;
  /** A scheduled job's cron, time zone and the account Cloud Scheduler calls as. */
  schedule?: { cron: string; timeZone: string; account: string };
}

/**
 * The evaluation's stack outputs, read with the contract's schema: a missing map is
 * an empty one, a missing project or region falls back to the Pulumi project and "".
 */
export function stackOutputs(evaluation: Evaluation): StackOutputs {
  return stackOutputsSchema.parse({ project: evaluation.project, region: "", ...evaluation.outputs });
}

/**
 * One summary per service then per job, from the stack outputs and the Cloud Run
 * resource each workload's component published.
 */
export function summarizeWorkloads(evaluation: Evaluation): WorkloadSummary[] {
  const outputs = stackOutputs(evaluation);
  const { workloads } = publishedFacts(evaluation.resources);
  const cloudRun = (kind: "service" | "job", name: string) => workloads.find((w) => w.kind === kind && w.name === name)?.cloudRun;
  const services = Object.entries(outputs.services).map(([name, service]) => summarize("service", name, service, outputs.region, cloudRun("service", name)));
  const jobs = Object.entries(outputs.jobs).map(([name, job]) => summarize("job", name, job, outputs.region, cloudRun("job", name)));
  return [...services, ...jobs];
}

function summarize(
  kind: "service" | "job",
  name: string,
  workload: ServiceOutputs | JobOutputs,
  region: string,
  resource: RegisteredResource | undefined,
): WorkloadSummary {
  const inputs = resource?.inputs ?? {};
  return {
    kind,
    name,
    region: typeof inputs.location === "string" ? inputs.location : region,
    ingress: kind === "service" && typeof inputs.ingress === "string" ? inputs.ingress : null,
    serviceAccount: workload.serviceAccountEmail,
    image: workload.image,
    ...(hasStandInDigest(workload) ? { imageDigestStandIn: true } : {}),
    deletionProtection: deletionProtection(resource),
    invokers: [...(workload.invokers ?? [])],
    invokerMode: workload.invokerMode,
    invokerRole: workload.invokerRole,
    url: "url" in workload ? workload.url : undefined,
    scheduler: "scheduler" in workload && workload.scheduler ? `serviceAccount:${workload.scheduler.serviceAccountEmail}` : undefined,
    runtime: resource ? runtimeSettings(kind, resource) : new Map(),
    ...("scheduler" in workload && workload.scheduler
      ? { schedule: { cron: workload.scheduler.schedule, timeZone: workload.scheduler.timeZone, account: workload.scheduler.serviceAccountEmail } }
      : {}),
  };
}

function deletionProtection(resource: RegisteredResource | undefined): WorkloadSummary["deletionProtection"] {
  if (!resource) return "unknown";
  const value = resource.inputs.deletionProtection;
  if (value === undefined || value === null) return "on (provider default)";
  return value === true ? "on" : "off";
}

/** A prebuilt tag's digest, which only `pulumi up` reads from the registry, is the offline stand-in. */
function hasStandInDigest(workload: ServiceOutputs | JobOutputs): boolean {
  return workload.imageReference !== undefined && isStandInDigest(workload.image, workload.imageReference);
}
