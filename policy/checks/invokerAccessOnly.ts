/**
 * Mandatory: on a Cloud Run service or job, a role that invokes it is granted
 * only by InvokerAccess, the component that grants exactly the stack config's
 * invokers. A `ServiceIamMember`/`JobIamMember`/`*IamBinding` made beside it
 * in index.ts would add callers no config review sees. The pack tells the two
 * apart by the resource's parent, which its URN carries
 * (`…::private-cloud-run:index:InvokerAccess$gcp:cloudrunv2/…`).
 */
import { COMPONENT_TYPES, IAM_BINDING_TYPES, IAM_MEMBER_TYPES, isUnknown, show } from "../../contract";
import { grantsOf, pathText } from "./grants";
import { unverifiedReporter } from "./inputs";
import { isInvokingRole } from "./roles";
import { PolicyRule, ResourceUnderTest, RuleContext } from "./types";

/** The type of the resource's parent, from the qualified type in its URN (`parent$type`), or undefined at the top level. */
export function parentTypeOf(urn: string | undefined): string | undefined {
  const qualified = urn?.split("::")[2];
  if (qualified === undefined) return undefined;
  const types = qualified.split("$");
  return types.length > 1 ? types[types.length - 2] : undefined;
}

function check(resource: ResourceUnderTest, ctx: RuleContext): string[] {
  if (!IAM_MEMBER_TYPES.has(resource.type) && !IAM_BINDING_TYPES.has(resource.type)) return [];
  const parent = parentTypeOf(resource.urn);
  if (parent === COMPONENT_TYPES.invokerAccess) return [];
  const report = unverifiedReporter(resource, ctx);
  const { role, rolePath } = grantsOf(resource).grants[0] ?? { role: resource.inputs.role, rolePath: ["role"] };
  if (isUnknown(role)) {
    report(rolePath);
    return [];
  }
  if (!isInvokingRole(role)) return [];
  const members = resource.inputs.members ?? resource.inputs.member;
  return [
    `${pathText(rolePath)}: ${show(role)} is granted on a Cloud Run workload (to ${show(members, { max: 120 })}) outside InvokerAccess ` +
      `(${parent === undefined ? "at the top level" : `under ${parent}`}), so callers are added that the stack config does not list. ` +
      `Fix: remove ${resource.name}; add the principal to the workload's invokers in the stack config.`,
  ];
}

/** Mandatory: only InvokerAccess grants invoking roles on Cloud Run workloads. */
export const invokersOnlyThroughInvokerAccess: PolicyRule = {
  name: "cloud-run-invokers-through-invoker-access",
  description: "A Cloud Run IAM Member or Binding that grants a role able to invoke (the invoker family, run.admin, run.developer, owner, editor, custom roles) is made by InvokerAccess, from the stack config.",
  enforcementLevel: "mandatory",
  check,
};
