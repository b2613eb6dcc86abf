/**
 * Mandatory: no project-, folder- or organization-level grant of a role that
 * invokes Cloud Run (policy/checks/roles.ts). A grant there reaches every
 * service and job below it, present and future, and InvokerAccess's bindings
 * cannot see or remove it.
 */
import { isUnknown, show } from "../../contract";
import { grantKind, grantsOf, pathText } from "./grants";
import { unverifiedReporter } from "./inputs";
import { isInvokingRole } from "./roles";
import { PolicyRule, ResourceUnderTest, RuleContext } from "./types";

function check(resource: ResourceUnderTest, ctx: RuleContext): string[] {
  const kind = grantKind(resource.type);
  if (kind === undefined || (kind.scope !== "project" && kind.scope !== "folder" && kind.scope !== "organization")) return [];
  const report = unverifiedReporter(resource, ctx);
  const { grants, computed } = grantsOf(resource);
  computed.forEach(report);
  const messages = new Set<string>();
  for (const { role, rolePath, member } of grants) {
    if (isUnknown(role)) {
      report(rolePath);
      continue;
    }
    if (!isInvokingRole(role)) continue;
    messages.add(
      `${pathText(rolePath)}: ${show(role)} granted at the ${kind.scope} level by ${resource.name} (here to ${show(member)}) lets its holders call every Cloud Run service and run every job in the ${kind.scope}, ` +
        `and no workload's invoker binding can see or remove it. Fix: remove it; list the principal in the workload's invokers instead.`,
    );
  }
  return [...messages];
}

/** Mandatory: invoking roles are granted per workload, never project-wide. */
export const noProjectLevelInvoker: PolicyRule = {
  name: "no-project-level-invoker",
  description: "No project, folder or organization IAM grant (IAMMember, IAMBinding, IAMPolicy) of a role that invokes Cloud Run (run.invoker, servicesInvoker, jobsExecutor*, run.admin, run.developer, owner, editor, custom roles).",
  enforcementLevel: "mandatory",
  check,
};
