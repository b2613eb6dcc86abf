/**
 * Mandatory: nobody may act as the stack's own service accounts. Whoever can
 * mint a token for a runtime account (or a scheduled job's scheduler account)
 * holds everything that account holds: the secrets it reads, the workloads it
 * may call (`workload:NAME` invokers), the job it starts; and no invoker list
 * or access view of the workload shows it. Roles that act as an account
 * (iam/docs/service-account-permissions) are refused on those accounts, and
 * on a project, folder or organization, where they reach every account below.
 */
import { isUnknown, readPath, runtimeAccountPath, serviceAccountEmail, show, TYPES, workloadKind } from "../../contract";
import { grantKind, grantsOf, pathText, type Grant } from "./grants";
import { unverifiedReporter } from "./inputs";
import { isCustomRole } from "./roles";
import { PolicyRule, ResourceUnderTest, StackFinding } from "./types";

/**
 * Predefined roles that let their holder act as a service account: mint its
 * access or ID tokens (Token Creator, OpenID Token Creator), attach it to code
 * that runs as it (Service Account User), let federated identities impersonate
 * it (Workload Identity User), make a key for it (Key Admin), or grant any of
 * these (Service Account Admin sets the account's IAM policy).
 */
const ACTING_ROLES: ReadonlySet<string> = new Set([
  "roles/iam.serviceAccountTokenCreator",
  "roles/iam.serviceAccountOpenIdTokenCreator",
  "roles/iam.serviceAccountUser",
  "roles/iam.workloadIdentityUser",
  "roles/iam.serviceAccountKeyAdmin",
  "roles/iam.serviceAccountAdmin",
]);

/** On one account, the basic roles and any custom role (the pack cannot read it) count too. */
function actsOnAccount(role: string): boolean {
  return ACTING_ROLES.has(role) || role === "roles/owner" || role === "roles/editor" || isCustomRole(role);
}

/** One of the stack's service accounts: how messages name it, and whether a workload runs as it. */
export interface StackAccount {
  described: string;
  runtime: boolean;
}

/** The stack's service accounts by lower-case email: the workloads' runtime accounts, then every account it creates. */
export function stackAccounts(resources: ResourceUnderTest[]): Map<string, StackAccount> {
  const accounts = new Map<string, StackAccount>();
  for (const resource of resources) {
    const path = runtimeAccountPath(resource.type);
    const account = path && readPath(resource.inputs, path);
    if (typeof account === "string" && account.trim() !== "") {
      const name = typeof resource.inputs.name === "string" ? resource.inputs.name : resource.name;
      accounts.set(account.trim().toLowerCase(), { described: `the runtime account of ${workloadKind(resource.type)} ${name}`, runtime: true });
    }
  }
  for (const resource of resources) {
    if (resource.type !== TYPES.account) continue;
    const { accountId, project } = resource.inputs;
    if (typeof accountId !== "string" || typeof project !== "string") continue;
    const email = serviceAccountEmail(accountId, project).toLowerCase();
    if (!accounts.has(email)) accounts.set(email, { described: "a service account this stack creates", runtime: false });
  }
  return accounts;
}

/** The email in a `serviceAccountId` (`projects/P/serviceAccounts/EMAIL`, `P/EMAIL` or `EMAIL`), lower case. */
function targetEmail(serviceAccountId: string): string {
  return (serviceAccountId.split("/").pop() ?? serviceAccountId).trim().toLowerCase();
}

function finding(resource: ResourceUnderTest, grant: Grant, message: string): StackFinding {
  return { resource: resource.name, type: resource.type, message: `${pathText(grant.memberPath)}: ${show(grant.member)} holds ${String(grant.role)} ${message}` };
}

const FIX = "Fix: remove the grant. A principal that needs what a workload does is listed in that workload's invokers, or given its own grant on the resource it needs.";

/** Mandatory: no grant lets anyone act as the stack's runtime or scheduler accounts. */
export const noActingAsStackAccounts: PolicyRule = {
  name: "no-acting-as-stack-accounts",
  description:
    "No role that acts as a service account (serviceAccountTokenCreator, serviceAccountOpenIdTokenCreator, serviceAccountUser, workloadIdentityUser, serviceAccountKeyAdmin, serviceAccountAdmin; on the account itself also owner, editor and custom roles) is granted on a runtime or scheduler account of this stack (serviceaccount IAMMember/IAMBinding/IAMPolicy), nor on a project, folder or organization, where it reaches every account below.",
  enforcementLevel: "mandatory",
  checkStack(resources, ctx) {
    const accounts = stackAccounts(resources);
    return resources.flatMap((resource): StackFinding[] => {
      const scope = grantKind(resource.type)?.scope;
      if (scope !== "service-account" && scope !== "project" && scope !== "folder" && scope !== "organization") return [];
      const report = unverifiedReporter(resource, ctx);
      const { grants } = grantsOf(resource);
      if (scope !== "service-account") {
        // Owner, Editor and custom roles there are no-project-level-invoker's to refuse.
        return grants
          .filter((grant) => typeof grant.role === "string" && ACTING_ROLES.has(grant.role))
          .map((grant) => finding(resource, grant, `on a whole ${scope}, which reaches every service account in it, the stack's runtime and scheduler accounts included. ${FIX}`));
      }
      const acting = grants.filter((grant) => typeof grant.role === "string" && actsOnAccount(grant.role));
      if (acting.length === 0) return [];
      const target = resource.inputs.serviceAccountId;
      if (isUnknown(target) || typeof target !== "string") {
        report(["serviceAccountId"]);
        return [];
      }
      const email = targetEmail(target);
      if (!email.includes("@")) {
        // A unique id (projects/-/serviceAccounts/1048…) may be one of the stack's accounts: the pack cannot tell.
        return acting.map((grant) =>
          finding(resource, grant, `on ${target}, which names no account by email, so it may be a runtime or scheduler account of this stack. Fix: name the account by its email (projects/PROJECT/serviceAccounts/EMAIL), or remove the grant.`),
        );
      }
      const account = accounts.get(email);
      if (account === undefined) return [];
      return acting.map((grant) => finding(resource, grant, `on ${email}, ${account.described}: it could act as that account and reach all it reaches (its secrets, the workloads it may call, the job it starts). ${FIX}`));
    });
  },
};
