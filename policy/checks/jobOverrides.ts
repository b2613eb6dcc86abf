/**
 * Advisory: roles/run.jobsExecutorWithOverrides lets its holders start a job
 * with their own environment variables and arguments
 * (the `overrides` of https://cloud.google.com/run/docs/reference/rest/v2/projects.locations.jobs/run,
 * which need run.jobs.runWithOverrides):
 * `NODE_OPTIONS=--require /tmp/x.js`, another command's flags… so they can make
 * the job run code of their choosing, as the job's runtime service account.
 * Allowed (some callers need overrides), but the plan says so.
 */
import { isUnknown, show, TYPES } from "../../contract";
import { grantsOf, pathText } from "./grants";
import { PolicyRule } from "./types";

export const OVERRIDES_ROLE = "roles/run.jobsExecutorWithOverrides";

/** Advisory: a job's invokers who may override its configuration are named. */
export const jobOverridesNamed: PolicyRule = {
  name: "job-invokers-can-override",
  description: "A job granted roles/run.jobsExecutorWithOverrides is reported: its invokers can override env and args, and so run code as the job's runtime service account.",
  enforcementLevel: "advisory",
  check(resource) {
    if (resource.type !== TYPES.jobBinding && resource.type !== TYPES.jobMember) return [];
    const grants = grantsOf(resource).grants.filter(({ role }) => !isUnknown(role) && role === OVERRIDES_ROLE);
    if (grants.length === 0) return [];
    const members = grants.map(({ member }) => member);
    return [
      `${pathText(grants[0].rolePath)}: ${show(OVERRIDES_ROLE)} lets ${show(members, { max: 160 })} run job ${show(resource.inputs.name)} with their own env and args ` +
        `(e.g. NODE_OPTIONS), so they can run code of their choosing as its runtime service account. ` +
        `Fix, unless they need overrides: invokerRole: roles/run.jobsExecutor (runs the job as configured).`,
    ];
  },
};
