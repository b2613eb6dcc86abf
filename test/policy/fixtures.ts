/**
 * Realistic resource inputs for the policy tests. Each builder's inputs are
 * typed with the @pulumi/gcp 9.x Args they stand for (`Unwrap<…Args>`), so
 * `npm run typecheck` fails if a fixture drifts from the provider's shapes.
 */
import type * as artifactregistry from "@pulumi/gcp/artifactregistry";
import type * as cloudrun from "@pulumi/gcp/cloudrun";
import type * as cloudrunv2 from "@pulumi/gcp/cloudrunv2";
import type { input } from "@pulumi/gcp/types";
import type { Unwrap } from "@pulumi/pulumi";
import type { RegisteredResource } from "../../contract";
import type { ResourceUnderTest } from "../../policy/rules";

export const DIGEST = "sha256:" + "ab12".repeat(16);
export const IMAGE = `asia-east1-docker.pkg.dev/my-gcp-project/private-cloud-run/app@${DIGEST}`;
export const RUNTIME_SA = "hello-svc@my-gcp-project.iam.gserviceaccount.com";
export const DEFAULT_COMPUTE_SA = "123456789012-compute@developer.gserviceaccount.com";

/** Types the inputs as the provider's Args, then hands them on as plain data. */
function typed<T>(inputs: T): Record<string, unknown> {
  return inputs as unknown as Record<string, unknown>;
}

/** A cloudrunv2.Service as privateService.ts registers it. */
export function service(overrides: Partial<Unwrap<cloudrunv2.ServiceArgs>> = {}, name = "hello-service"): ResourceUnderTest {
  const inputs: Unwrap<cloudrunv2.ServiceArgs> = {
    name: "hello",
    location: "asia-east1",
    project: "my-gcp-project",
    ingress: "INGRESS_TRAFFIC_ALL",
    invokerIamDisabled: false,
    deletionProtection: true,
    template: {
      serviceAccount: RUNTIME_SA,
      containers: [{ image: IMAGE, ports: { containerPort: 8080 } }],
    },
    ...overrides,
  };
  return { type: "gcp:cloudrunv2/service:Service", name, inputs: typed(inputs) };
}

/** A cloudrunv2.Job (task template one level deeper). */
export function job(overrides: Partial<Unwrap<cloudrunv2.JobArgs>> = {}, name = "nightly-job"): ResourceUnderTest {
  const inputs: Unwrap<cloudrunv2.JobArgs> = {
    name: "nightly",
    location: "asia-east1",
    project: "my-gcp-project",
    deletionProtection: true,
    template: {
      template: {
        serviceAccount: "nightly-job@my-gcp-project.iam.gserviceaccount.com",
        containers: [{ image: IMAGE, commands: ["node", "dist/job.js"] }],
      },
    },
    ...overrides,
  };
  return { type: "gcp:cloudrunv2/job:Job", name, inputs: typed(inputs) };
}

/** The Member resources of v1 and v2 (service, job, worker pool), each holding `member`. */
export function members(member: string): ResourceUnderTest[] {
  const v2Service: Unwrap<cloudrunv2.ServiceIamMemberArgs> = { name: "hello", location: "asia-east1", role: "roles/run.invoker", member };
  const v2Job: Unwrap<cloudrunv2.JobIamMemberArgs> = { name: "nightly", location: "asia-east1", role: "roles/run.invoker", member };
  const v2Pool: Unwrap<cloudrunv2.WorkerPoolIamMemberArgs> = { name: "pool", location: "asia-east1", role: "roles/run.developer", member };
  const v1: Unwrap<cloudrun.IamMemberArgs> = { service: "hello", location: "asia-east1", role: "roles/run.invoker", member };
  return [
    { type: "gcp:cloudrunv2/serviceIamMember:ServiceIamMember", name: "hello-invoker", inputs: typed(v2Service) },
    { type: "gcp:cloudrunv2/jobIamMember:JobIamMember", name: "nightly-invoker", inputs: typed(v2Job) },
    { type: "gcp:cloudrunv2/workerPoolIamMember:WorkerPoolIamMember", name: "pool-dev", inputs: typed(v2Pool) },
    { type: "gcp:cloudrun/iamMember:IamMember", name: "hello-v1-invoker", inputs: typed(v1) },
  ];
}

/** The Binding resources of v1 and v2, each holding `members`. */
export function bindings(list: string[]): ResourceUnderTest[] {
  const v2Service: Unwrap<cloudrunv2.ServiceIamBindingArgs> = { name: "hello", location: "asia-east1", role: "roles/run.invoker", members: list };
  const v2Job: Unwrap<cloudrunv2.JobIamBindingArgs> = { name: "nightly", location: "asia-east1", role: "roles/run.jobsExecutor", members: list };
  const v2Pool: Unwrap<cloudrunv2.WorkerPoolIamBindingArgs> = { name: "pool", location: "asia-east1", role: "roles/run.developer", members: list };
  const v1: Unwrap<cloudrun.IamBindingArgs> = { service: "hello", location: "asia-east1", role: "roles/run.invoker", members: list };
  return [
    { type: "gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding", name: "hello-invokers", inputs: typed(v2Service) },
    { type: "gcp:cloudrunv2/jobIamBinding:JobIamBinding", name: "nightly-invokers", inputs: typed(v2Job) },
    { type: "gcp:cloudrunv2/workerPoolIamBinding:WorkerPoolIamBinding", name: "pool-devs", inputs: typed(v2Pool) },
    { type: "gcp:cloudrun/iamBinding:IamBinding", name: "hello-v1-invokers", inputs: typed(v1) },
  ];
}

/** The Policy resources of v1 and v2, each holding `policyData` (JSON, as getIAMPolicy produces). */
export function policies(policyData: string): ResourceUnderTest[] {
  const v2Service: Unwrap<cloudrunv2.ServiceIamPolicyArgs> = { name: "hello", location: "asia-east1", policyData };
  const v2Job: Unwrap<cloudrunv2.JobIamPolicyArgs> = { name: "nightly", location: "asia-east1", policyData };
  const v2Pool: Unwrap<cloudrunv2.WorkerPoolIamPolicyArgs> = { name: "pool", location: "asia-east1", policyData };
  const v1: Unwrap<cloudrun.IamPolicyArgs> = { service: "hello", location: "asia-east1", policyData };
  return [
    { type: "gcp:cloudrunv2/serviceIamPolicy:ServiceIamPolicy", name: "hello-policy", inputs: typed(v2Service) },
    { type: "gcp:cloudrunv2/jobIamPolicy:JobIamPolicy", name: "nightly-policy", inputs: typed(v2Job) },
    { type: "gcp:cloudrunv2/workerPoolIamPolicy:WorkerPoolIamPolicy", name: "pool-policy", inputs: typed(v2Pool) },
    { type: "gcp:cloudrun/iamPolicy:IamPolicy", name: "hello-v1-policy", inputs: typed(v1) },
  ];
}

/** policyData for the given bindings, as `gcp.organizations.getIAMPolicy` renders it. */
export function policyJson(bindingsList: { role: string; members: string[] }[]): string {
  return JSON.stringify({ bindings: bindingsList });
}

/** A v1 cloudrun.Service with the given metadata annotations (and, optionally, revision spec). */
export function v1Service(
  annotations: Record<string, string>,
  spec: Unwrap<input.cloudrun.ServiceTemplateSpec> = { serviceAccountName: RUNTIME_SA, containers: [{ image: IMAGE }] },
): ResourceUnderTest {
  const inputs: Unwrap<cloudrun.ServiceArgs> = {
    name: "legacy",
    location: "asia-east1",
    metadata: { annotations },
    template: { spec },
  };
  return { type: "gcp:cloudrun/service:Service", name: "legacy-service", inputs: typed(inputs) };
}

type CleanupPolicy = Unwrap<input.artifactregistry.RepositoryCleanupPolicy>;

/** The repository artifactImage.ts registers (KEEP recent + DELETE old untagged), or with other policies. */
export function repository(
  cleanupPolicies: CleanupPolicy[] = RECOMMENDED_CLEANUP,
  overrides: Partial<Unwrap<artifactregistry.RepositoryArgs>> = {},
): ResourceUnderTest {
  const inputs: Unwrap<artifactregistry.RepositoryArgs> = {
    repositoryId: "private-cloud-run",
    location: "asia-east1",
    project: "my-gcp-project",
    format: "DOCKER",
    cleanupPolicyDryRun: false,
    cleanupPolicies,
    ...overrides,
  };
  return { type: "gcp:artifactregistry/repository:Repository", name: "images-repo", inputs: typed(inputs) };
}

export const KEEP_RECENT: CleanupPolicy = { id: "keep-recent", action: "KEEP", mostRecentVersions: { keepCount: 10 } };
export const DELETE_OLD_UNTAGGED: CleanupPolicy = {
  id: "delete-old-untagged",
  action: "DELETE",
  condition: { tagState: "UNTAGGED", olderThan: "604800s" },
};
export const RECOMMENDED_CLEANUP: CleanupPolicy[] = [KEEP_RECENT, DELETE_OLD_UNTAGGED];

/** Wraps a plain resource as the offline evaluator registers it. */
export function registered(resource: ResourceUnderTest, parent: string | null = null): RegisteredResource {
  return {
    type: resource.type,
    name: resource.name,
    parent,
    urn: `urn:pulumi:dev::private-cloud-run::${resource.type}::${resource.name}`,
    inputs: resource.inputs,
    secretInputs: [],
    component: false,
  };
}
