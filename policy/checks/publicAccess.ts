/**
 * Mandatory: no IAM grant the pack reads (Cloud Run, Artifact Registry, Secret
 * Manager, service accounts, project/folder/organization) names the public, a wildcard, a set
 * anyone can join, every service account of a project/folder/organization, or
 * a principal set IAM does not document (policy/checks/members.ts), whatever
 * the role. `policyData` is read with every spelling of its keys, as the
 * provider reads it (policy/checks/grants.ts).
 */
import { isUnknown, show } from "../../contract";
import { grantsOf, pathText } from "./grants";
import { unverifiedReporter } from "./inputs";
import { memberReach } from "./members";
import { PolicyRule, ResourceUnderTest, RuleContext } from "./types";

export { isPublicMember } from "./members";

const FIX = "Fix: remove it and list named principals (user:, group:, serviceAccount:, or a federated principal) instead.";

function check(resource: ResourceUnderTest, ctx: RuleContext): string[] {
  const { grants, computed, unreadable } = grantsOf(resource);
  computed.forEach(unverifiedReporter(resource, ctx));
  if (unreadable !== undefined) {
    // A policy we cannot read is a policy we cannot prove private: refuse it.
    return [`policyData: ${unreadable}, so it cannot be checked for public members. Fix: build it with gcp.organizations.getIAMPolicy(...).policyData.`];
  }
  return grants.flatMap(({ member, memberPath }) => {
    if (isUnknown(member) || typeof member !== "string") return [];
    const reach = memberReach(member);
    if (reach.kind === "public") return [`${pathText(memberPath)}: ${show(member)} would make ${resource.name} public; this stack never grants public access. ${FIX}`];
    if (reach.kind === "refused") return [`${pathText(memberPath)}: ${show(member)} ${reach.why}; ${resource.name} must not grant it. ${FIX}`];
    return [];
  });
}

/** Mandatory: IAM grants name principals, never the public or an open set. */
export const noPublicMembers: PolicyRule = {
  name: "no-public-members",
  description:
    "No IAM grant (Cloud Run, Artifact Registry, Secret Manager, service account, project, folder, organization) names the public, a wildcard, a set anyone can join (consumer mail domains, googlegroups.com groups), every service account of a project/folder/organization, or an undocumented principal set.",
  enforcementLevel: "mandatory",
  check,
};
