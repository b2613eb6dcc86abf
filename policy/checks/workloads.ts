/**
 * Where Cloud Run services and jobs keep the settings the rules read. A v2 job
 * nests its task template one level deeper than a v2 service
 * (`template.template`), per @pulumi/gcp 9.x's ServiceTemplate / JobTemplate; a
 * v1 (Knative-style) service keeps them in `template.spec`, the account as
 * `serviceAccountName`.
 */
import { PathStep } from "./inputs";

/** Type token of a Cloud Run v2 service. */
export const SERVICE_TYPE = "gcp:cloudrunv2/service:Service";
/** Type token of a Cloud Run v2 job. */
export const JOB_TYPE = "gcp:cloudrunv2/job:Job";
/** Type token of a Cloud Run v1 (Knative-style) service. */
export const V1_SERVICE_TYPE = "gcp:cloudrun/service:Service";

/** Path of the revision/task template that holds the runtime account and `containers`, or undefined for other types. */
export function runtimeTemplatePath(type: string): PathStep[] | undefined {
  if (type === SERVICE_TYPE) return ["template"];
  if (type === JOB_TYPE) return ["template", "template"];
  if (type === V1_SERVICE_TYPE) return ["template", "spec"];
  return undefined;
}

/** The key of the runtime service account inside {@link runtimeTemplatePath}: v1 names it `serviceAccountName`. */
export function runtimeAccountKey(type: string): string {
  return type === V1_SERVICE_TYPE ? "serviceAccountName" : "serviceAccount";
}

/** Short word for messages. */
export function workloadKind(type: string): string {
  return type === JOB_TYPE ? "job" : "service";
}
