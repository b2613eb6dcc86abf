/**
 * Mandatory: the stack's runtime and scheduler accounts are used by their own
 * workload or schedule only. Any other resource set to run as one, or to mint
 * its tokens (a Pub/Sub push subscription's OIDC token, a workflow, a VM, a key
 * for it), acts as that account: it reads the account's secrets and calls what
 * the account may call (`workload:NAME` invokers), in no invoker list.
 * Granting something TO the account (an IAM member) is not using it.
 */
import { formatPath, isPlainObject, runtimeAccountPath, show, TYPES, type PathStep } from "../../contract";
import { stackAccounts } from "./accountImpersonation";
import { grantKind } from "./grants";
import { PolicyRule, ResourceUnderTest, StackFinding } from "./types";

/** Keys that name the account a resource runs as or mints tokens for (`serviceAccount`, `serviceAccountEmail`, `serviceAccountId`, …). */
const ACCOUNT_KEY = /^serviceaccount(email|name|id)?$/i;
/** IAM resources of any module: their members are grantees, read by the IAM rules. */
const IAM_CLASS = /I[Aa][Mm](Member|Binding|Policy)$/;

/** Resources whose use of an account another rule decides: workloads, the stack's schedules, accounts, IAM. */
function judgedElsewhere(resource: ResourceUnderTest): boolean {
  return (
    runtimeAccountPath(resource.type) !== undefined ||
    resource.type === TYPES.schedulerJob ||
    resource.type === TYPES.account ||
    grantKind(resource.type) !== undefined ||
    IAM_CLASS.test(resource.type.split(":").pop() ?? "")
  );
}

/** Every (path, value) naming an account: under an account key, or `email` inside one (a VM's `serviceAccount: {email}`). */
function accountReferences(value: unknown, path: PathStep[] = [], underAccountKey = false): { path: PathStep[]; value: string }[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => accountReferences(item, [...path, index], underAccountKey));
  if (!isPlainObject(value)) return [];
  return Object.entries(value).flatMap(([key, item]) => {
    const accountKey = ACCOUNT_KEY.test(key);
    if (typeof item === "string") return accountKey || (underAccountKey && key === "email") ? [{ path: [...path, key], value: item }] : [];
    return accountReferences(item, [...path, key], accountKey);
  });
}

/** "projects/P/serviceAccounts/EMAIL" or "EMAIL" → the email, lower case. */
function emailOf(reference: string): string {
  return (reference.split("/").pop() ?? reference).trim().toLowerCase();
}

/** Mandatory: nothing but its own workload or schedule runs as, or mints tokens of, a stack account. */
export const stackAccountsOnlyTheirWorkloads: PolicyRule = {
  name: "stack-accounts-only-their-workloads",
  description:
    "No resource but a workload itself (or the stack's own schedule) runs as, or mints tokens of, a runtime or scheduler account of this stack: a Pub/Sub push subscription's oidcToken, a workflow, a VM, a key for it…",
  enforcementLevel: "mandatory",
  checkStack(resources) {
    const accounts = stackAccounts(resources);
    return resources
      .filter((resource) => !judgedElsewhere(resource))
      .flatMap((resource): StackFinding[] =>
        accountReferences(resource.inputs).flatMap(({ path, value }) => {
          const described = accounts.get(emailOf(value))?.described;
          if (described === undefined) return [];
          return [
            {
              resource: resource.name,
              type: resource.type,
              message:
                `${formatPath(path)}: ${show(value)} is ${described}: ${resource.name} would act as that account, with its secrets and its place in other workloads' invokers. ` +
                `Fix: give ${resource.name} a service account of its own, with only the grants it needs.`,
            },
          ];
        }),
      );
  },
};
