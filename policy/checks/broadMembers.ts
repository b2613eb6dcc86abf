/**
 * Advisory: a grant to a broad set (a whole Workspace domain or customer, every
 * identity of a federation pool with one attribute value, every Kubernetes
 * service account of a namespace) is allowed, but the plan says how broad it
 * is, so a reviewer sees who really gets in.
 */
import { isUnknown, show } from "../../contract";
import { grantsOf, pathText } from "./grants";
import { memberReach } from "./members";
import { PolicyRule } from "./types";

/** Advisory: broad members are named with their reach. */
export const broadMembersNamed: PolicyRule = {
  name: "iam-broad-members",
  description: "An IAM grant to a broad set (domain:, a Cloud Identity customer, an attribute-wide federated principal set) is reported with how broad it is.",
  enforcementLevel: "advisory",
  check(resource) {
    return grantsOf(resource).grants.flatMap(({ member, memberPath }) => {
      if (isUnknown(member) || typeof member !== "string") return [];
      const reach = memberReach(member);
      return reach.kind === "broad"
        ? [`${pathText(memberPath)}: ${show(member)} grants ${resource.name} to ${reach.breadth}. Make sure that is meant; name a group or the principals to narrow it.`]
        : [];
    });
  },
};
