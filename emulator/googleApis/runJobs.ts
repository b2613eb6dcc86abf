/**
 * Cloud Run Admin v2 jobs: `jobs/J:run`, `jobs/J:testIamPermissions` and the
 * long-running `operations/ID` they return, for the jobs registered here.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { membersInclude, validateMembers } from "../members";
import { apiError, type GoogleApisState, type Operation } from "./state";

/** A Cloud Run job as the jobs API emulator knows it. */
export interface EmulatedJob {
  project: string;
  region: string;
  name: string;
  /** IAM members holding run.jobs.run (e.g. roles/run.invoker). */
  invokers: string[];
  /** IAM members holding run.operations.get (e.g. roles/run.viewer). @default [] */
  viewers?: string[];
  /** How long an execution takes before its operation is done. @default 0 */
  durationMs?: number;
  /** @default "succeeded" */
  outcome?: "succeeded" | "failed";
}

/** One accepted `:run` call, for assertions in tests. */
export interface JobRunRecord {
  /** "projects/P/locations/R/jobs/J" */
  job: string;
  /** Email of the caller (from its access token). */
  caller: string;
  /** The request body's `overrides`, if any. */
  overrides?: unknown;
  /** "projects/P/locations/R/operations/ID" */
  operation: string;
}

export function registerJob(state: GoogleApisState, job: EmulatedJob): void {
  for (const key of ["project", "region", "name"] as const) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(job[key] ?? "")) {
      throw new Error(`registerJob: ${key} "${job[key]}" is not a valid Cloud Run ${key}; use lowercase letters, digits and hyphens`);
    }
  }
  validateMembers("registerJob.invokers", job.invokers);
  validateMembers("registerJob.viewers", job.viewers ?? []);
  const full: Required<EmulatedJob> = { viewers: [], durationMs: 0, outcome: "succeeded", ...job };
  state.jobs.set(jobPath(job), full);
}

export function jobPath(job: Pick<EmulatedJob, "project" | "region" | "name">): string {
  return `projects/${job.project}/locations/${job.region}/jobs/${job.name}`;
}

export function runJob(state: GoogleApisState, caller: string, name: string, body: Record<string, unknown>): Record<string, unknown> {
  const job = state.jobs.get(name);
  if (!job) throw apiError(404, "NOT_FOUND", `Resource '${name}' was not found`);
  if (!membersInclude(job.invokers, caller)) {
    throw apiError(403, "PERMISSION_DENIED", `Permission 'run.jobs.run' denied on resource '${name}' (or resource may not exist).`);
  }
  if (body.overrides !== undefined && (typeof body.overrides !== "object" || body.overrides === null || Array.isArray(body.overrides))) {
    throw apiError(400, "INVALID_ARGUMENT", "overrides must be an object (RunJobRequest.Overrides)");
  }
  const id = randomUUID();
  const operation: Operation = {
    name: `projects/${job.project}/locations/${job.region}/operations/${id}`,
    job,
    jobName: name,
    execution: `${name}/executions/${job.name}-${randomBytes(3).toString("hex").slice(0, 5)}`,
    startedAtMs: Date.now(),
  };
  state.operations.set(operation.name, operation);
  state.runs.push({ job: name, caller, overrides: body.overrides, operation: operation.name });
  return describeOperation(operation);
}

/** The job permissions the emulator models, and who holds each. */
const JOB_PERMISSIONS: Record<string, (job: Required<EmulatedJob>) => string[]> = {
  "run.jobs.run": (job) => job.invokers,
  "run.operations.get": (job) => job.viewers,
};

/**
 * `jobs/J:testIamPermissions`: the subset of the asked permissions the caller
 * holds on the job. Like Google's, it needs no permission itself (any
 * authenticated caller may ask about its own), and an empty subset is `{}`.
 */
export function testJobPermissions(state: GoogleApisState, caller: string, name: string, body: Record<string, unknown>): Record<string, unknown> {
  const job = state.jobs.get(name);
  if (!job) throw apiError(404, "NOT_FOUND", `Resource '${name}' was not found`);
  const asked = body.permissions;
  if (!Array.isArray(asked) || asked.length === 0 || !asked.every((permission) => typeof permission === "string" && !permission.includes("*"))) {
    throw apiError(400, "INVALID_ARGUMENT", "permissions must be a non-empty list of permission names without wildcards");
  }
  const held = (asked as string[]).filter((permission) => membersInclude(JOB_PERMISSIONS[permission]?.(job) ?? [], caller));
  return held.length > 0 ? { permissions: held } : {};
}

export function getOperation(state: GoogleApisState, caller: string, name: string): Record<string, unknown> {
  const operation = state.operations.get(name);
  if (!operation) throw apiError(404, "NOT_FOUND", `Resource '${name}' was not found`);
  if (!membersInclude(operation.job.viewers, caller)) {
    throw apiError(403, "PERMISSION_DENIED", `Permission 'run.operations.get' denied on resource '${name}' (or resource may not exist).`);
  }
  return describeOperation(operation);
}

/** The long-running Operation: running until durationMs has passed, then done with an Execution or an error. */
function describeOperation(operation: Operation): Record<string, unknown> {
  const done = Date.now() >= operation.startedAtMs + operation.job.durationMs;
  const failed = done && operation.job.outcome === "failed";
  const execution = {
    "@type": "type.googleapis.com/google.cloud.run.v2.Execution",
    name: operation.execution,
    job: operation.job.name,
    createTime: new Date(operation.startedAtMs).toISOString(),
    startTime: new Date(operation.startedAtMs).toISOString(),
    taskCount: 1,
    runningCount: done ? 0 : 1,
    succeededCount: done && !failed ? 1 : 0,
    failedCount: failed ? 1 : 0,
    ...(done ? { completionTime: new Date(operation.startedAtMs + operation.job.durationMs).toISOString() } : {}),
  };
  const result: Record<string, unknown> = { name: operation.name, metadata: execution, done };
  if (failed) {
    result.error = { code: 2, message: `Task ${operation.execution.split("/").pop()}-0 failed: the container exited with a non-zero status of 1.` };
  } else if (done) {
    result.response = execution;
  }
  return result;
}
