/**
 * Where Cloud Run v2 services and jobs keep the settings the rules read. A job
 * nests its task template one level deeper than a service
 * (`template.template`), per @pulumi/gcp 9.x's ServiceTemplate / JobTemplate.
 */
import { PathStep } from "./inputs";

/** Type token of a Cloud Run v2 service. */
export const SERVICE_TYPE = "gcp:cloudrunv2/service:Service";
/** Type token of a Cloud Run v2 job. */
export const JOB_TYPE = "gcp:cloudrunv2/job:Job";
/** Type token of a Cloud Run v1 (Knative-style) service. */
export const V1_SERVICE_TYPE = "gcp:cloudrun/service:Service";

/** Path of the revision/task template that holds `serviceAccount` and `containers`, or undefined for other types. */
export function runtimeTemplatePath(type: string): PathStep[] | undefined {
  if (type === SERVICE_TYPE) return ["template"];
  if (type === JOB_TYPE) return ["template", "template"];
  return undefined;
}

/** Short word for messages. */
export function workloadKind(type: string): string {
  return type === JOB_TYPE ? "job" : "service";
}
