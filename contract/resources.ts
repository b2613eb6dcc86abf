/**
 * The Pulumi type tokens this project creates or inspects, and where Cloud Run
 * keeps the settings the plan and the policy rules read. Type tokens are those
 * of @pulumi/gcp 9.x and @pulumi/docker-build (each resource page of the Pulumi
 * Registry, https://www.pulumi.com/registry/packages/gcp/api-docs/, shows its token).
 */
import type { PathStep } from "./values";

/** Cloud resources, by the token the engine registers them under. */
export const TYPES = {
  /** The root resource of every Pulumi program. */
  stack: "pulumi:pulumi:Stack",
  service: "gcp:cloudrunv2/service:Service",
  job: "gcp:cloudrunv2/job:Job",
  /** Cloud Run v1 (Knative-style): never created here, but a policy rule must still read it. */
  v1Service: "gcp:cloudrun/service:Service",
  /** A Cloud Run worker pool: never created here, but it runs containers as an account without being called, so the rules read it. */
  workerPool: "gcp:cloudrunv2/workerPool:WorkerPool",
  account: "gcp:serviceaccount/account:Account",
  repository: "gcp:artifactregistry/repository:Repository",
  api: "gcp:projects/service:Service",
  image: "docker-build:index:Image",
  serviceBinding: "gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding",
  serviceMember: "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
  jobBinding: "gcp:cloudrunv2/jobIamBinding:JobIamBinding",
  jobMember: "gcp:cloudrunv2/jobIamMember:JobIamMember",
  /** One member of `roles/secretmanager.secretAccessor` on one secret: how a workload gets to read it. */
  secretMember: "gcp:secretmanager/secretIamMember:SecretIamMember",
  /** Cloud Scheduler's job that runs a scheduled Cloud Run job. */
  schedulerJob: "gcp:cloudscheduler/job:Job",
  /** The @pulumi/docker provider that resolves a prebuilt image's tag to its digest. */
  dockerProvider: "pulumi:providers:docker",
} as const;

/** This project's own component resources. */
export const COMPONENT_TYPES = {
  privateService: "private-cloud-run:index:PrivateService",
  privateJob: "private-cloud-run:index:PrivateJob",
  invokerAccess: "private-cloud-run:index:InvokerAccess",
  artifactRepository: "private-cloud-run:index:ArtifactRepository",
  artifactImage: "private-cloud-run:index:ArtifactImage",
  prebuiltImage: "private-cloud-run:index:PrebuiltImage",
  projectApis: "private-cloud-run:index:ProjectApis",
} as const;

/** Cloud Run IAM resources holding one member in `member`. */
export const IAM_MEMBER_TYPES: ReadonlySet<string> = new Set([
  "gcp:cloudrun/iamMember:IamMember",
  TYPES.serviceMember,
  TYPES.jobMember,
  "gcp:cloudrunv2/workerPoolIamMember:WorkerPoolIamMember",
]);

/** Cloud Run IAM resources holding a list in `members`. */
export const IAM_BINDING_TYPES: ReadonlySet<string> = new Set([
  "gcp:cloudrun/iamBinding:IamBinding",
  TYPES.serviceBinding,
  TYPES.jobBinding,
  "gcp:cloudrunv2/workerPoolIamBinding:WorkerPoolIamBinding",
]);

/** Cloud Run IAM resources holding a whole policy as JSON in `policyData`. */
export const IAM_POLICY_TYPES: ReadonlySet<string> = new Set([
  "gcp:cloudrun/iamPolicy:IamPolicy",
  "gcp:cloudrunv2/serviceIamPolicy:ServiceIamPolicy",
  "gcp:cloudrunv2/jobIamPolicy:JobIamPolicy",
  "gcp:cloudrunv2/workerPoolIamPolicy:WorkerPoolIamPolicy",
]);

/**
 * Path of the revision/task template that holds the runtime account and
 * `containers`, or undefined for other types. A v2 job nests its task template
 * one level deeper than a v2 service (`template.template`, @pulumi/gcp's
 * JobTemplate); a v1 service keeps it in `template.spec`.
 */
export function runtimeTemplatePath(type: string): PathStep[] | undefined {
  if (type === TYPES.service || type === TYPES.workerPool) return ["template"];
  if (type === TYPES.job) return ["template", "template"];
  if (type === TYPES.v1Service) return ["template", "spec"];
  return undefined;
}

/** The key of the runtime service account inside {@link runtimeTemplatePath}: v1 names it `serviceAccountName`. */
export function runtimeAccountKey(type: string): string {
  return type === TYPES.v1Service ? "serviceAccountName" : "serviceAccount";
}

/** Where a workload's runtime service account is set (`template.template.serviceAccount` for a job), or undefined. */
export function runtimeAccountPath(type: string): PathStep[] | undefined {
  const template = runtimeTemplatePath(type);
  return template && [...template, runtimeAccountKey(type)];
}

/** Where a workload's first container image is set (`template.containers[0].image` for a service), or undefined. */
export function firstImagePath(type: string): PathStep[] | undefined {
  const template = runtimeTemplatePath(type);
  return template && [...template, "containers", 0, "image"];
}

/** "job" for a job, "worker pool" for a worker pool, "service" for any kind of service: the word messages use. */
export function workloadKind(type: string): "service" | "job" | "worker pool" {
  return type === TYPES.job ? "job" : type === TYPES.workerPool ? "worker pool" : "service";
}
