/**
 * Mandatory: no Cloud Run `*IamPolicy` resource. A whole-policy resource
 * replaces every grant on the service or job, InvokerAccess's included, and
 * its `policyData` is a JSON string the provider decodes without regard to key
 * case, so a check of `bindings` alone can be walked around with `Bindings`.
 * This stack never needs one: InvokerAccess grants the invoker role.
 */
import { IAM_POLICY_TYPES } from "../../contract";
import { PolicyRule } from "./types";

/** Mandatory: Cloud Run IAM is never set as a whole policy. */
export const noCloudRunIamPolicy: PolicyRule = {
  name: "cloud-run-no-iam-policy",
  description: "No Cloud Run *IamPolicy resource (service, job, worker pool, v1): it replaces every grant, and the stack grants through InvokerAccess only.",
  enforcementLevel: "mandatory",
  check(resource) {
    if (!IAM_POLICY_TYPES.has(resource.type)) return [];
    return [
      `${resource.name} is a ${resource.type.split(":").pop()}, which replaces every grant on the workload (InvokerAccess's too) with a JSON policy. ` +
        `Fix: remove it; list who may call the workload in its invokers (InvokerAccess), and grant any other role with a *IamMember.`,
    ];
  },
};
