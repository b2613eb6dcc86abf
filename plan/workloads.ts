import { stackOutputsSchema, TYPES, type Evaluation, type JobOutputs, type RegisteredResource, type ServiceOutputs, type StackOutputs } from "../contract";

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
}

/**
 * The evaluation's stack outputs, read with the contract's schema: a missing map is
 * an empty one, a missing project or region falls back to the Pulumi project and "".
 */
export function stackOutputs(evaluation: Evaluation): StackOutputs {
  return stackOutputsSchema.parse({ project: evaluation.project, region: "", ...evaluation.outputs });
}

/** One summary per service then per job, from the outputs and the Cloud Run resources. */
export function summarizeWorkloads(evaluation: Evaluation): WorkloadSummary[] {
  const outputs = stackOutputs(evaluation);
  const services = Object.entries(outputs.services).map(([name, service]) =>
    summarize("service", name, service, outputs.region, cloudRunResource(evaluation.resources, TYPES.service, name)),
  );
  const jobs = Object.entries(outputs.jobs).map(([name, job]) =>
    summarize("job", name, job, outputs.region, cloudRunResource(evaluation.resources, TYPES.job, name)),
  );
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
    deletionProtection: deletionProtection(resource),
    invokers: [...(workload.invokers ?? [])],
    invokerMode: workload.invokerMode,
    invokerRole: workload.invokerRole,
    url: "url" in workload ? workload.url : undefined,
  };
}

function deletionProtection(resource: RegisteredResource | undefined): WorkloadSummary["deletionProtection"] {
  if (!resource) return "unknown";
  const value = resource.inputs.deletionProtection;
  if (value === undefined || value === null) return "on (provider default)";
  return value === true ? "on" : "off";
}

/**
 * The Cloud Run resource of a workload: the one whose `name` input is the workload's
 * name, else the one whose logical name starts with it.
 */
export function cloudRunResource(resources: RegisteredResource[], type: string, name: string): RegisteredResource | undefined {
  const ofType = resources.filter((resource) => resource.type === type);
  return (
    ofType.find((resource) => resource.inputs.name === name) ??
    ofType.find((resource) => resource.name === name) ??
    ofType.find((resource) => resource.name.startsWith(`${name}-`))
  );
}
