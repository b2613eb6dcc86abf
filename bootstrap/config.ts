/**
 * The bootstrap's config: read once, validated with zod before any resource is
 * registered, every problem reported at once with the key, the value and the fix.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/** Config namespace of the bootstrap project (`name` in bootstrap/Pulumi.yaml). */
export const NAMESPACE = "private-cloud-run-bootstrap";

/** The validated bootstrap settings, defaults applied. */
export interface BootstrapSettings {
  project: string;
  region: string;
  /** "OWNER/REPO": the only repository whose workflows may use the deploy account. */
  githubRepository: string;
  /** Numeric repository id; when set, the provider also requires it (survives renames, cannot be re-registered). */
  githubRepositoryId?: string;
  /** The GitHub environment whose jobs, and only those, may use the deploy account (e.g. "prod"). */
  githubEnvironment: string;
  /** Suffix of the GitHub variables this bootstrap fills: the environment in capitals ("prod" → GCP_DEPLOY_SERVICE_ACCOUNT_PROD). */
  variableSuffix: string;
  /** The repository's default branch: the deploy account accepts only it unless `deployFromAnyBranch`; the drift check runs there. */
  defaultBranch: string;
  /** True lets the environment's jobs deploy from any branch (dev: the per-PR stacks deploy from PR branches). */
  deployFromAnyBranch: boolean;
  stateBucket: string;
  /** Days a replaced state file version is kept (bucket versioning). */
  stateVersionRetentionDays: number;
  /** Days a deleted or overwritten state file stays restorable and cannot be purged (soft delete, 7 to 90). */
  stateSoftDeleteDays: number;
  keyRing: string;
  cryptoKey: string;
  workloadIdentityPool: string;
  workloadIdentityProvider: string;
  /** Account id (the part before @) of the deploy service account. */
  deployServiceAccount: string;
  /** Account id of the read-only account pull-request previews and the drift check use. */
  previewServiceAccount: string;
  /** Account id of the smoke account: no project role, listed as an invoker of every workload. */
  smokeServiceAccount: string;
  /** Account id of the outsider: no grant anywhere, so every workload must refuse it. */
  outsiderServiceAccount: string;
  /** The stack's Artifact Registry repository once it exists: writer there instead of admin on the project. */
  artifactRepository?: string;
  /** The stack schedules jobs: Cloud Scheduler's API and roles (admin to deploy, viewer to preview). */
  scheduledJobs: boolean;
  /** Ids of the project's secrets the stack's workloads read: the deploy account may set their IAM policy, the preview account read it. */
  secrets: string[];
}

/** One config problem. */
export interface BootstrapConfigProblem {
  path: string;
  value: unknown;
  message: string;
}

/** Invalid bootstrap config; `problems` lists every one of them. */
export class BootstrapConfigError extends Error {
  readonly problems: BootstrapConfigProblem[];
  constructor(problems: BootstrapConfigProblem[]) {
    const lines = problems.map((p) => `  - ${p.path}: ${JSON.stringify(p.value)} ${p.message}`);
    super(`Invalid bootstrap config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${lines.join("\n")}`);
    this.name = "BootstrapConfigError";
    this.problems = problems;
  }
}

const set = (key: string, example: string) => `; set it with \`pulumi config set ${key} ${example}\``;

const id = (pattern: RegExp, what: string, key: string, example: string) =>
  z.string({ error: `is required${set(key, example)}` }).regex(pattern, { error: `is not ${what}${set(key, example)}` });

const ns = (key: string) => `${NAMESPACE}:${key}`;

/** Fully-qualified config key of a setting ("githubRepository" → "private-cloud-run-bootstrap:githubRepository"). */
function keyOf(setting: string): string {
  return setting === "project" ? "gcp:project" : setting === "region" ? "gcp:region" : ns(setting);
}

/** How to set one entry of the `secrets` list. */
const SET_SECRET = `; set each with \`pulumi config set --path '${ns("secrets")}[0]' db-password\``;

const accountId = (key: string, example: string) =>
  id(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "a service account id (6-30 of a-z 0-9 -)", ns(key), example).optional();

const schema = z.object({
  project: id(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "a GCP project id", "gcp:project", "my-project"),
  region: id(/^[a-z]+-[a-z]+[0-9]+$/, "a GCP region", "gcp:region", "asia-east1"),
  githubRepository: id(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/, "a GitHub repository written OWNER/REPO", ns("githubRepository"), "my-org/my-repo"),
  githubRepositoryId: id(/^[1-9][0-9]{0,19}$/, "a numeric repository id", ns("githubRepositoryId"), '"$(gh api repos/OWNER/REPO --jq .id)"').optional(),
  githubEnvironment: id(/^[A-Za-z][A-Za-z0-9_-]{0,39}$/, "a GitHub environment name (letters, digits, _ and -)", ns("githubEnvironment"), "prod").optional(),
  defaultBranch: id(/^(?!.*\.\.)(?!\/)[A-Za-z0-9._/-]{1,100}(?<![./])$/, "a branch name", ns("defaultBranch"), "main").optional(),
  deployFromAnyBranch: z
    .preprocess((value) => (typeof value === "boolean" ? String(value) : value), z.enum(["true", "false"], { error: `must be true or false${set(ns("deployFromAnyBranch"), "true")}` }))
    .transform((value) => value === "true")
    .optional(),
  stateBucket: id(/^[a-z0-9][a-z0-9_.-]{1,61}[a-z0-9]$/, "a Cloud Storage bucket name", ns("stateBucket"), "my-project-pulumi-state").optional(),
  stateVersionRetentionDays: z.coerce
    .number({ error: `must be a number of days${set(ns("stateVersionRetentionDays"), "90")}` })
    .int({ error: `must be a whole number of days${set(ns("stateVersionRetentionDays"), "90")}` })
    .min(1, { error: `must be at least 1 day${set(ns("stateVersionRetentionDays"), "90")}` })
    .optional(),
  // Cloud Storage accepts a soft-delete retention of 7 to 90 days.
  stateSoftDeleteDays: z.coerce
    .number({ error: `must be a number of days${set(ns("stateSoftDeleteDays"), "90")}` })
    .int({ error: `must be a whole number of days${set(ns("stateSoftDeleteDays"), "90")}` })
    .min(7, { error: `must be 7 to 90 days (Cloud Storage's soft-delete range)${set(ns("stateSoftDeleteDays"), "90")}` })
    .max(90, { error: `must be 7 to 90 days (Cloud Storage's soft-delete range)${set(ns("stateSoftDeleteDays"), "90")}` })
    .optional(),
  keyRing: id(/^[A-Za-z0-9_-]{1,63}$/, "a KMS key ring name", ns("keyRing"), "pulumi").optional(),
  cryptoKey: id(/^[A-Za-z0-9_-]{1,63}$/, "a KMS key name", ns("cryptoKey"), "pulumi-state").optional(),
  workloadIdentityPool: id(/^(?!gcp-)[a-z0-9-]{4,32}$/, "a workload identity pool id (4-32 of a-z 0-9 -, not gcp-…)", ns("workloadIdentityPool"), "github").optional(),
  workloadIdentityProvider: id(/^(?!gcp-)[a-z0-9-]{4,32}$/, "a workload identity provider id (4-32 of a-z 0-9 -)", ns("workloadIdentityProvider"), "github-actions").optional(),
  deployServiceAccount: accountId("deployServiceAccount", "pulumi-deploy"),
  previewServiceAccount: accountId("previewServiceAccount", "pulumi-preview"),
  smokeServiceAccount: accountId("smokeServiceAccount", "pulumi-smoke"),
  outsiderServiceAccount: accountId("outsiderServiceAccount", "pulumi-outsider"),
  artifactRepository: id(/^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/, "an Artifact Registry repository id", ns("artifactRepository"), "private-cloud-run").optional(),
  scheduledJobs: z
    .preprocess((value) => (typeof value === "boolean" ? String(value) : value), z.enum(["true", "false"], { error: `must be true or false${set(ns("scheduledJobs"), "true")}` }))
    .transform((value) => value === "true")
    .optional(),
  // Pulumi hands a list over as its JSON text.
  secrets: z
    .preprocess(
      (value) => {
        if (typeof value !== "string") return value;
        try {
          return JSON.parse(value);
        } catch {
          return value;
        }
      },
      z.array(
        // Secret Manager's secret id: letters, digits, - and _, at most 255 (a secret of another project is never granted here).
        z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, { error: `is not a secret id of this project (letters, digits, - and _; not a projects/… path)${SET_SECRET}` }),
        { error: `must be a list of secret ids${SET_SECRET}` },
      ),
    )
    .refine((ids) => ids === undefined || new Set(ids).size === ids.length, { error: "names a secret twice; list each once" })
    .optional(),
});

/** Every fully-qualified key the bootstrap reads. */
export const BOOTSTRAP_KEYS = Object.keys(schema.shape).map(keyOf);

/**
 * Validates raw config (fully-qualified keys → values) for the given stack.
 * Pure. Throws BootstrapConfigError listing every problem.
 */
export function parseBootstrapConfig(raw: Record<string, unknown>, stack: string): BootstrapSettings {
  const known = new Set(BOOTSTRAP_KEYS);
  const problems: BootstrapConfigProblem[] = Object.keys(raw)
    .filter((key) => key.startsWith(`${NAMESPACE}:`) && !known.has(key))
    .map((key) => ({ path: key, value: raw[key], message: `is not a bootstrap setting; remove it (known: ${BOOTSTRAP_KEYS.join(", ")})` }));
  const input = Object.fromEntries(Object.keys(schema.shape).map((setting) => [setting, raw[keyOf(setting)]]));
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = keyOf(String(issue.path[0]));
      problems.push({ path, value: raw[path], message: issue.message });
    }
  }
  if (problems.length > 0 || !parsed.success) throw new BootstrapConfigError(problems);
  const c = parsed.data;
  return {
    project: c.project,
    region: c.region,
    githubRepository: c.githubRepository,
    githubRepositoryId: c.githubRepositoryId,
    githubEnvironment: c.githubEnvironment ?? stack,
    variableSuffix: (c.githubEnvironment ?? stack).toUpperCase().replace(/-/g, "_"),
    defaultBranch: c.defaultBranch ?? "main",
    deployFromAnyBranch: c.deployFromAnyBranch ?? false,
    stateBucket: c.stateBucket ?? `${c.project}-pulumi-state`,
    stateVersionRetentionDays: c.stateVersionRetentionDays ?? 90,
    stateSoftDeleteDays: c.stateSoftDeleteDays ?? 90,
    keyRing: c.keyRing ?? "pulumi",
    cryptoKey: c.cryptoKey ?? "pulumi-state",
    workloadIdentityPool: c.workloadIdentityPool ?? "github",
    workloadIdentityProvider: c.workloadIdentityProvider ?? "github-actions",
    deployServiceAccount: c.deployServiceAccount ?? "pulumi-deploy",
    previewServiceAccount: c.previewServiceAccount ?? "pulumi-preview",
    smokeServiceAccount: c.smokeServiceAccount ?? "pulumi-smoke",
    outsiderServiceAccount: c.outsiderServiceAccount ?? "pulumi-outsider",
    artifactRepository: c.artifactRepository,
    scheduledJobs: c.scheduledJobs ?? false,
    secrets: c.secrets ?? [],
  };
}

/** Reads the stack's config from Pulumi's runtime and validates it. */
export function readBootstrapConfig(): BootstrapSettings {
  // Everything set under gcp: and this namespace; unknown keys are reported, not ignored.
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (key.startsWith(`${NAMESPACE}:`) || BOOTSTRAP_KEYS.includes(key)) raw[key] = value;
  }
  return parseBootstrapConfig(raw, pulumi.getStack());
}
