/**
 * Mandatory: no project-, folder- or organization-level grant of a role that
 * invokes Cloud Run (policy/checks/roles.ts). A grant there reaches every
 * service and job below it, present and future, and InvokerAccess's bindings
 * cannot see or remove it. The same goes for the Cloud Scheduler roles that
 * force a scheduler job to run: that starts a scheduled Cloud Run job as its
 * scheduler account, whoever asked.
 */
import { isUnknown, show } from "../../contract";
import { grantKind, grantsOf, pathText } from "./grants";
import { unverifiedReporter } from "./inputs";
import { isInvokingRole } from "./roles";
import { PolicyRule, ResourceUnderTest, RuleContext } from "./types";

/**
 * Roles holding cloudscheduler.jobs.run (iam/docs/roles-permissions/cloudscheduler),
 * grantable on a project at the lowest: Cloud Scheduler has no per-job IAM.
 */
const SCHEDULER_RUNNING_ROLES: ReadonlySet<string> = new Set(["roles/cloudscheduler.admin", "roles/cloudscheduler.jobRunner"]);

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
    if (typeof role === "string" && SCHEDULER_RUNNING_ROLES.has(role)) {
      messages.add(
        `${pathText(rolePath)}: ${show(role)} granted at the ${kind.scope} level by ${resource.name} (here to ${show(member)}) lets its holders force-run every Cloud Scheduler job in the ${kind.scope}, ` +
          `and so start every scheduled Cloud Run job as its scheduler account, in no job's invoker list. Fix: remove it; list the principal in the job's invokers instead (the deploy identity gets this role from the bootstrap, not from this stack).`,
      );
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
  description:
    "No project, folder or organization IAM grant (IAMMember, IAMBinding, IAMPolicy) of a role that invokes Cloud Run (run.invoker, servicesInvoker, jobsExecutor*, run.admin, run.developer, owner, editor, custom roles) or force-runs Cloud Scheduler jobs, and so scheduled Cloud Run jobs (cloudscheduler.admin, cloudscheduler.jobRunner).",
  enforcementLevel: "mandatory",
  check,
};
