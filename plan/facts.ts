/**
 * The facts the components published (their registered outputs, recorded by the
 * offline evaluation), read with the contract's schemas and resolved to the
 * resources they name by URN. The plan reads a workload's Cloud Run resource, its
 * runtime account and what each grant is on from here, never from matching names.
 */
import {
  COMPONENT_TYPES,
  invokerAccessOutputsSchema,
  workloadComponentOutputsSchema,
  type RegisteredResource,
} from "../contract";

/** One service or job, as its component published it. */
export interface WorkloadFacts {
  kind: "service" | "job";
  name: string;
  /** The Cloud Run service or job. */
  cloudRun: RegisteredResource | undefined;
  /** Its runtime service account. */
  runtimeAccount: RegisteredResource | undefined;
  /** That account's email, as the stack outputs give it. */
  serviceAccountEmail: string;
}

/** Everything the components published about one evaluation. */
export interface PublishedFacts {
  workloads: WorkloadFacts[];
  /** URN of an IAM resource → the service or job it grants on. */
  grantTargets: Map<string, RegisteredResource>;
}

const WORKLOAD_KINDS: Record<string, "service" | "job"> = {
  [COMPONENT_TYPES.privateService]: "service",
  [COMPONENT_TYPES.privateJob]: "job",
};

/** Reads every component's registered outputs; a component that published nothing readable adds no facts. */
export function publishedFacts(resources: RegisteredResource[]): PublishedFacts {
  const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  const workloads = resources.flatMap((component): WorkloadFacts[] => {
    const kind = WORKLOAD_KINDS[component.type];
    const published = kind === undefined ? undefined : workloadComponentOutputsSchema.safeParse(component.outputs);
    if (!published?.success) return [];
    const { name, cloudRun, runtimeServiceAccount, outputs } = published.data;
    return [{ kind, name, cloudRun: byUrn.get(cloudRun), runtimeAccount: byUrn.get(runtimeServiceAccount), serviceAccountEmail: outputs.serviceAccountEmail }];
  });
  const grantTargets = new Map<string, RegisteredResource>();
  for (const component of resources.filter((resource) => resource.type === COMPONENT_TYPES.invokerAccess)) {
    const published = invokerAccessOutputsSchema.safeParse(component.outputs);
    const workload = published.success ? byUrn.get(published.data.workload) : undefined;
    if (published.success && workload) for (const grant of published.data.grants) grantTargets.set(grant, workload);
  }
  return { workloads, grantTargets };
}
