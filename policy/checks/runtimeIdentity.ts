/**
 * Mandatory: every Cloud Run service (v2, and v1's `template.spec.serviceAccountName`)
 * and job runs as a dedicated service account. Leaving `serviceAccount` unset runs it as the project's default
 * compute account, which usually holds Editor on the whole project.
 */
import { formatPath, isUnknown, readPath, runtimeAccountPath, show, workloadKind } from "../../contract";
import { unverifiedReporter } from "./inputs";
import { PolicyRule } from "./types";

/** `<project number>-compute@developer.gserviceaccount.com`, any case. */
const DEFAULT_COMPUTE_ACCOUNT = /^\d+-compute@developer\.gserviceaccount\.com$/i;

/** True for the project's default compute service account. */
export function isDefaultComputeAccount(email: string): boolean {
  return DEFAULT_COMPUTE_ACCOUNT.test(email.trim());
}

/** The fix every message of this rule ends with. */
const FIX = "Fix: create a serviceaccount.Account for this workload (no project roles) and set its email here.";

/** Mandatory: a runtime service account is set and is not the default compute account. */
export const dedicatedRuntimeServiceAccount: PolicyRule = {
  name: "cloud-run-dedicated-service-account",
  description: "Every Cloud Run service (v1 and v2) and job sets a runtime service account that is not the default compute account.",
  enforcementLevel: "mandatory",
  check(resource, ctx) {
    const steps = runtimeAccountPath(resource.type);
    if (!steps) return [];
    const path = formatPath(steps);
    const account = readPath(resource.inputs, steps);
    if (isUnknown(account)) {
      unverifiedReporter(resource, ctx)(steps);
      return [];
    }
    const kind = workloadKind(resource.type);
    if (typeof account !== "string" || account.trim() === "") {
      return [`${path}: ${show(account)}, so ${kind} ${resource.name} would run as the default compute service account. ${FIX}`];
    }
    if (isDefaultComputeAccount(account)) {
      return [`${path}: ${show(account)} is the default compute service account. ${FIX}`];
    }
    return [];
  },
};

/**
 * Mandatory: one workload per runtime account. A second service or job running
 * as another workload's account gets everything granted to it: the secrets it
 * reads, and its place in other workloads' invokers (`workload:NAME`). The
 * first workload (in registration order) keeps the account; each later one is named.
 */
export const runtimeAccountOneWorkload: PolicyRule = {
  name: "runtime-account-one-workload",
  description: "No two Cloud Run services or jobs run as the same service account: each workload's secrets and its place in other workloads' invokers belong to it alone.",
  enforcementLevel: "mandatory",
  checkStack(resources) {
    const owners = new Map<string, { kind: string; name: string; resource: string }>();
    return resources.flatMap((resource) => {
      const steps = runtimeAccountPath(resource.type);
      const account = steps && readPath(resource.inputs, steps);
      if (!steps || typeof account !== "string" || account.trim() === "" || isDefaultComputeAccount(account)) return [];
      const key = account.trim().toLowerCase();
      const kind = workloadKind(resource.type);
      const name = typeof resource.inputs.name === "string" ? resource.inputs.name : resource.name;
      const owner = owners.get(key);
      if (owner === undefined) {
        owners.set(key, { kind, name, resource: resource.name });
        return [];
      }
      return [
        {
          resource: resource.name,
          type: resource.type,
          message:
            `${formatPath(steps)}: ${show(account)} is also the runtime account of ${owner.kind} ${owner.name} (${owner.resource}): ${resource.name} would run with everything ${owner.name} may reach ` +
            `(its secrets, the workloads that list it). Fix: give each service and job an account of its own.`,
        },
      ];
    });
  },
};
