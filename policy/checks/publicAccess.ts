/**
 * Mandatory: no Cloud Run IAM resource may name `allUsers` or
 * `allAuthenticatedUsers`, whatever the role: either makes the service public
 * (https://cloud.google.com/run/docs/authenticating/public, docs/policy.md).
 */
import { formatPath, IAM_BINDING_TYPES, IAM_MEMBER_TYPES, IAM_POLICY_TYPES, isPlainObject, isUnknown, show, type PathStep } from "../../contract";
import { unverifiedReporter } from "./inputs";
import { PolicyRule, ResourceUnderTest, RuleContext } from "./types";

/** The public principals, lower-cased (IAM itself is case-sensitive; we refuse every spelling). */
const PUBLIC_PRINCIPALS = new Set(["allusers", "allauthenticatedusers"]);
/** IAM's principal-identifier form of "everyone" (principal://… syntax). */
const PUBLIC_PRINCIPAL_SET = "principalset://goog/public:all";

/**
 * True when `member` grants to the public: `allUsers` or
 * `allAuthenticatedUsers` in any case, bare or behind a `kind:` prefix (e.g.
 * `user:AllUsers`), with stray whitespace, or `principalSet://goog/public:all`.
 */
export function isPublicMember(member: string): boolean {
  const bare = member.trim().toLowerCase();
  if (bare === PUBLIC_PRINCIPAL_SET) return true;
  const afterPrefix = bare.slice(bare.lastIndexOf(":") + 1).trim();
  return PUBLIC_PRINCIPALS.has(afterPrefix);
}

/** The message for one public member at `path`. */
function publicMemberMessage(resource: ResourceUnderTest, path: string, member: string): string {
  return (
    `${path}: ${show(member)} would make ${resource.name} public; this stack never grants public access. ` +
    `Fix: remove it and list named principals (user:, group:, serviceAccount:, domain:) as invokers instead.`
  );
}

/** Checks one member value at `steps`. */
function checkMember(resource: ResourceUnderTest, steps: PathStep[], member: unknown, report: (s: PathStep[]) => void): string[] {
  if (isUnknown(member)) {
    report(steps);
    return [];
  }
  if (typeof member !== "string") return [];
  return isPublicMember(member) ? [publicMemberMessage(resource, formatPath(steps), member)] : [];
}

/** Checks a list of members at `steps`. */
function checkMembers(resource: ResourceUnderTest, steps: PathStep[], members: unknown, report: (s: PathStep[]) => void): string[] {
  if (isUnknown(members)) {
    report(steps);
    return [];
  }
  if (!Array.isArray(members)) return [];
  return members.flatMap((member, index) => checkMember(resource, [...steps, index], member, report));
}

/** Parses `policyData`: a JSON string as the provider takes it (or an already-parsed object). */
function parsePolicyData(policyData: unknown): { policy?: unknown; error?: string } {
  if (isPlainObject(policyData)) return { policy: policyData };
  if (typeof policyData !== "string") return { error: `expected a JSON string, got ${show(policyData)}` };
  try {
    return { policy: JSON.parse(policyData) as unknown };
  } catch (error) {
    return { error: `not valid JSON (${(error as Error).message})` };
  }
}

/** Checks every `bindings[i].members[j]` of a parsed IAM policy document. */
function checkPolicyData(resource: ResourceUnderTest, policyData: unknown, report: (s: PathStep[]) => void): string[] {
  if (isUnknown(policyData)) {
    report(["policyData"]);
    return [];
  }
  if (policyData === undefined) return [];
  const { policy, error } = parsePolicyData(policyData);
  if (error !== undefined) {
    // A policy we cannot read is a policy we cannot prove private: refuse it.
    return [
      `policyData: ${error}, so it cannot be checked for allUsers/allAuthenticatedUsers. ` +
        `Fix: build it with gcp.organizations.getIAMPolicy(...).policyData.`,
    ];
  }
  const bindings = isPlainObject(policy) ? policy.bindings : undefined;
  if (!Array.isArray(bindings)) return [];
  return bindings.flatMap((binding, index) =>
    isPlainObject(binding) ? checkMembers(resource, ["policyData", "bindings", index, "members"], binding.members, report) : [],
  );
}

/** Mandatory: no allUsers/allAuthenticatedUsers on any Cloud Run IAM resource (v1 and v2; Member, Binding, Policy). */
export const noPublicCloudRun: PolicyRule = {
  name: "cloud-run-no-public-members",
  description: "Cloud Run IAM (v1 and v2 Member, Binding and Policy resources) never grants to allUsers or allAuthenticatedUsers.",
  enforcementLevel: "mandatory",
  check(resource: ResourceUnderTest, ctx: RuleContext): string[] {
    const report = unverifiedReporter(resource, ctx);
    if (IAM_MEMBER_TYPES.has(resource.type)) return checkMember(resource, ["member"], resource.inputs.member, report);
    if (IAM_BINDING_TYPES.has(resource.type)) return checkMembers(resource, ["members"], resource.inputs.members, report);
    if (IAM_POLICY_TYPES.has(resource.type)) return checkPolicyData(resource, resource.inputs.policyData, report);
    return [];
  },
};
