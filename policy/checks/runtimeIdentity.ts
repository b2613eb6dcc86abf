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
