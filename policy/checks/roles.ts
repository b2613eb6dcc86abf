/**
 * Roles that let their holder call a Cloud Run service or run a job
 * (`run.routes.invoke`, `run.jobs.run`), from Cloud Run's role reference
 * (https://cloud.google.com/run/docs/reference/iam/roles): the invoker family,
 * Cloud Run Admin and Developer, and the basic Owner and Editor roles. A custom
 * role may hold either permission, and the pack cannot read it, so it counts too.
 */
import { isUnknown } from "../../contract";

/** The roles this stack grants on purpose, through InvokerAccess. */
export const INVOKER_ROLES: ReadonlySet<string> = new Set([
  "roles/run.invoker",
  "roles/run.servicesInvoker",
  "roles/run.jobsExecutor",
  "roles/run.jobsExecutorWithOverrides",
]);

/** Predefined roles beyond the invoker family that also invoke (they carry run.* or run.routes.*). */
const OTHER_INVOKING_ROLES: ReadonlySet<string> = new Set(["roles/run.admin", "roles/run.developer", "roles/owner", "roles/editor"]);

/** `projects/P/roles/R` or `organizations/O/roles/R`. */
export function isCustomRole(role: string): boolean {
  return /^(projects|organizations)\/[^/]+\/roles\/[^/]+$/.test(role);
}

/** True when `role` (a string) lets its holder invoke a service or run a job, or may (a custom role). */
export function isInvokingRole(role: unknown): boolean {
  if (isUnknown(role) || typeof role !== "string") return false;
  return INVOKER_ROLES.has(role) || OTHER_INVOKING_ROLES.has(role) || isCustomRole(role);
}
