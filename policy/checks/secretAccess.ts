/**
 * Mandatory: a secret's value is read only by the workloads that reference it.
 * `roles/secretmanager.secretAccessor` may be granted on a single secret, to a
 * runtime account of this stack; a grant to anyone else, or on a whole project,
 * folder or organization (which reaches every secret below it), is refused. The
 * other roles that read a payload (Secret Manager Admin, Owner, a custom role)
 * are refused on a secret outright: the stack never needs them there.
 */
import { isUnknown, readPath, runtimeAccountPath, show } from "../../contract";
import { isCustomRole } from "./roles";
import { grantKind, grantsOf, pathText, type Grant, type GrantScope } from "./grants";
import { unverifiedReporter } from "./inputs";
import { PolicyRule, ResourceUnderTest, RuleContext, StackFinding } from "./types";

/** The role that reads a secret's payload. */
export const SECRET_ACCESSOR_ROLE = "roles/secretmanager.secretAccessor";

/**
 * Roles besides the accessor that hold `secretmanager.versions.access`
 * (iam/docs/roles-permissions/secretmanager): Secret Manager Admin (which also
 * sets the secret's IAM policy) and Owner. A custom role may hold it, and the
 * pack cannot read it, so it counts too. On a project, folder or organization,
 * Owner and custom roles are already refused by no-project-level-invoker.
 */
const OTHER_PAYLOAD_ROLES: ReadonlySet<string> = new Set(["roles/secretmanager.admin", "roles/owner"]);

function readsPayloadBeyondAccessor(role: unknown, scope: GrantScope): boolean {
  if (typeof role !== "string") return false;
  if (role === "roles/secretmanager.admin") return true;
  return scope === "secret-manager" && (OTHER_PAYLOAD_ROLES.has(role) || isCustomRole(role));
}

/** Where a grant of the accessor role reaches more than one secret. */
const HIERARCHY: ReadonlySet<GrantScope> = new Set(["project", "folder", "organization"]);

/** "serviceAccount:A@B" with the email in lower case (IAM compares emails without case); anything else as written. */
function canonicalServiceAccount(member: string): string {
  const trimmed = member.trim();
  return trimmed.startsWith("serviceAccount:") ? `serviceAccount:${trimmed.slice("serviceAccount:".length).toLowerCase()}` : trimmed;
}

/** The `serviceAccount:` members the stack's services and jobs run as; `complete` is false when one is computed. */
function runtimeMembers(resources: ResourceUnderTest[]): { members: Set<string>; complete: boolean } {
  const members = new Set<string>();
  let complete = true;
  for (const resource of resources) {
    const path = runtimeAccountPath(resource.type);
    if (!path) continue;
    const account = readPath(resource.inputs, path);
    if (isUnknown(account)) complete = false;
    else if (typeof account === "string" && account.trim() !== "") members.add(canonicalServiceAccount(`serviceAccount:${account}`));
  }
  return { members, complete };
}

/** The grants of a payload-reading role a resource makes; computed roles, lists and policies are reported as unverified. */
function accessorGrants(resource: ResourceUnderTest, scope: GrantScope, ctx: RuleContext): Grant[] {
  const report = unverifiedReporter(resource, ctx);
  const { grants, computed } = grantsOf(resource);
  // Computed lists and policies hide whole grants; a computed member is judged below, with its role.
  const memberPaths = new Set(grants.map((grant) => pathText(grant.memberPath)));
  computed.filter((path) => !memberPaths.has(pathText(path))).forEach(report);
  const reported = new Set<string>();
  return grants.filter((grant) => {
    if (isUnknown(grant.role) && !reported.has(pathText(grant.rolePath))) {
      reported.add(pathText(grant.rolePath));
      report(grant.rolePath);
    }
    return grant.role === SECRET_ACCESSOR_ROLE || readsPayloadBeyondAccessor(grant.role, scope);
  });
}

function finding(resource: ResourceUnderTest, grant: Grant, message: string): StackFinding {
  return { resource: resource.name, type: resource.type, message: `${pathText(grant.memberPath)}: ${show(grant.member)} ${message}` };
}

/** Mandatory: secret accessor grants only on single secrets, only to the stack's runtime accounts. */
export const secretAccessorRuntimeOnly: PolicyRule = {
  name: "secret-accessor-runtime-accounts-only",
  description:
    "roles/secretmanager.secretAccessor is granted only on single secrets and only to a runtime service account of this stack's services and jobs; never to anyone else, never on a project, folder or organization. Other roles that read a payload (secretmanager.admin, owner, custom roles) are never granted on a secret, and secretmanager.admin never on a project, folder or organization.",
  enforcementLevel: "mandatory",
  checkStack(resources, ctx) {
    const runtime = runtimeMembers(resources);
    return resources.flatMap((resource) => {
      const scope = grantKind(resource.type)?.scope;
      if (scope === undefined || (scope !== "secret-manager" && !HIERARCHY.has(scope))) return [];
      const report = unverifiedReporter(resource, ctx);
      return accessorGrants(resource, scope, ctx).flatMap((grant): StackFinding[] => {
        if (HIERARCHY.has(scope)) {
          return [finding(resource, grant, `holds ${String(grant.role)} on a whole ${scope}, which reads every secret in it. Fix: grant ${SECRET_ACCESSOR_ROLE} on each secret to the one workload that reads it (secrets: in the stack config).`)];
        }
        if (grant.role !== SECRET_ACCESSOR_ROLE) {
          return [
            finding(
              resource,
              grant,
              `holds ${String(grant.role)} on the secret, which reads its payload${grant.role === "roles/secretmanager.admin" ? " and may grant it to anyone" : ""}. Fix: remove the grant; a workload that needs the secret references it under secrets: in the stack config, which grants ${SECRET_ACCESSOR_ROLE} to its runtime account only.`,
            ),
          ];
        }
        if (typeof grant.member === "string" && runtime.members.has(canonicalServiceAccount(grant.member))) return [];
        // A computed member, or one that may be a runtime account whose email is not known yet: decided on `pulumi up`.
        if (isUnknown(grant.member) || !runtime.complete) {
          report(grant.memberPath);
          return [];
        }
        return [
          finding(
            resource,
            grant,
            "is not the runtime account of a service or job of this stack, so it may not read the secret. Fix: remove the grant; a workload that needs the secret references it under secrets: in the stack config.",
          ),
        ];
      });
    });
  },
};
