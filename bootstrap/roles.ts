/**
 * What each CI identity may do, and why: the single list the bootstrap grants
 * from and docs/deploy.md explains. Pure data, no Pulumi.
 */

/** One role grant and the reason the stack needs it. */
export interface RoleGrant {
  role: string;
  /** Where it is granted: the project, or one named resource. */
  scope: "project" | "state bucket" | "KMS key" | "repository" | "deploy service account" | "preview service account" | "smoke and outsider accounts" | "each listed secret";
  why: string;
}

/** Deploy account, project level, always granted. */
export const PROJECT_ROLES: readonly RoleGrant[] = [
  {
    role: "roles/run.admin",
    scope: "project",
    why:
      "create, update and delete the Cloud Run services and jobs AND set their IAM policy (the invoker bindings); " +
      "roles/run.developer cannot set IAM policy. It also holds run.routes.invoke and run.jobs.run, which is why the smoke test never calls as this account.",
  },
  {
    role: "roles/iam.serviceAccountCreator",
    scope: "project",
    why:
      "create the per-workload runtime service accounts, which the stack creates (they do not exist at bootstrap time). " +
      "Not roles/iam.serviceAccountAdmin: that role also holds iam.serviceAccounts.setIamPolicy on every account in the project, " +
      "so the deploy account could grant itself (or anyone) the right to become any account, a foothold that outlives the workflow.",
  },
  {
    role: "roles/iam.serviceAccountDeleter",
    scope: "project",
    why: "delete a runtime service account when its workload is removed from the config, again without setIamPolicy.",
  },
  {
    role: "roles/iam.serviceAccountUser",
    scope: "project",
    why:
      "act as the runtime service accounts (iam.serviceAccounts.actAs) when deploying a service or job that runs as one. " +
      "Project-level because those accounts are created later by the stack, and no IAM condition can narrow it: resource attributes in " +
      "IAM Conditions are not supported for service accounts. Keep no privileged service account in a project the deploy account can reach.",
  },
  {
    role: "roles/serviceusage.serviceUsageAdmin",
    scope: "project",
    why: "the stack declares the APIs it uses (run, artifactregistry, iam, iamcredentials) with projects.Service; the bootstrap enables them first.",
  },
];

/** Artifact Registry before the stack's repository exists: it must be created, a project-level permission. */
export const REGISTRY_ADMIN: RoleGrant = {
  role: "roles/artifactregistry.admin",
  scope: "project",
  why:
    "dev's stack creates its Docker repository and cleanup policies (artifactregistry.repositories.create exists only at the project level, in this role). " +
    "Set `artifactRepository` once the repository exists to replace it with writer on that repository only.",
};

/** Artifact Registry once the repository exists (`artifactRepository` set). */
export const REGISTRY_WRITER: RoleGrant = {
  role: "roles/artifactregistry.writer",
  scope: "repository",
  why:
    "push the images the stack builds, and the per-PR stacks' images under their own names, to that one repository " +
    "(PR stacks create no repository; changing the repository's own settings then needs an admin).",
};

/** Deploy account, grants on single resources, always made. */
export const RESOURCE_ROLES: readonly RoleGrant[] = [
  {
    role: "roles/storage.objectAdmin",
    scope: "state bucket",
    why:
      "read and write the Pulumi state files and their lock files in the gs:// backend, and nothing else in Cloud Storage. " +
      "It cannot destroy the history: every overwritten or deleted state file is kept (versioning, then soft delete), " +
      "and changing those bucket settings needs storage.buckets.update, which it does not hold.",
  },
  {
    role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
    scope: "KMS key",
    why: "encrypt and decrypt the stack secrets (gcpkms:// secrets provider) with that one key.",
  },
  {
    role: "roles/iam.workloadIdentityUser",
    scope: "deploy service account",
    why:
      "granted to ONE GitHub subject: jobs of this repository that run in this GitHub environment " +
      "(`repo:OWNER/REPO:environment:NAME`); no other job, branch or repository can become the deploy account.",
  },
];

/** Deploy account, on the smoke and outsider accounts (granted where those are created). */
export const TEST_IDENTITY_TOKEN_CREATOR: RoleGrant = {
  role: "roles/iam.serviceAccountTokenCreator",
  scope: "smoke and outsider accounts",
  why:
    "mint ID and access tokens as the smoke account (an invoker with no project role) and as the outsider (no grant at all), " +
    "so the deploy workflow can prove that an invoker gets in and that everyone else is refused.",
};

/** Deploy account, when the stack schedules jobs (`scheduledJobs: true`). */
export const SCHEDULER_ADMIN: RoleGrant = {
  role: "roles/cloudscheduler.admin",
  scope: "project",
  why:
    "create, update and delete the Cloud Scheduler job of each scheduled job. Cloud Scheduler jobs have no IAM policy of their own, " +
    "so the project is the narrowest place; acting as the scheduler accounts is roles/iam.serviceAccountUser above.",
};

/** Id of the custom role the bootstrap creates for secret grants (no predefined role sets a secret's IAM without also reading it). */
export const SECRET_IAM_ROLE_ID = "privateCloudRunSecretIamGranter";

/**
 * Its permissions: read and set one secret's IAM policy, so the stack can add
 * each runtime account's secretAccessor member. Not roles/secretmanager.admin,
 * which also reads every version's value (secretmanager.versions.access).
 */
export const SECRET_IAM_PERMISSIONS = ["secretmanager.secrets.getIamPolicy", "secretmanager.secrets.setIamPolicy"] as const;

/** Deploy account, on each secret listed in `secrets`. */
export const SECRET_IAM_GRANTER: RoleGrant = {
  role: `projects/PROJECT/roles/${SECRET_IAM_ROLE_ID}`,
  scope: "each listed secret",
  why:
    "a custom role with only secretmanager.secrets.getIamPolicy and setIamPolicy: the stack adds a secretAccessor member for each workload's runtime account " +
    "on the secrets it reads. No value of any secret is readable with it. Whoever holds it could also grant itself access to that secret: list only the secrets the stack uses.",
};

/** The read-only preview account: what `pulumi preview` (with refresh) reads, and nothing it could change. */
export const PREVIEW_PROJECT_ROLES: readonly RoleGrant[] = [
  { role: "roles/run.viewer", scope: "project", why: "read the services, jobs and their IAM policies (the invoker bindings) that a preview or a refresh compares." },
  { role: "roles/iam.serviceAccountViewer", scope: "project", why: "read the runtime service accounts the stack manages." },
  { role: "roles/serviceusage.serviceUsageViewer", scope: "project", why: "read the state of the APIs the stack declares." },
];

/** Preview account, Artifact Registry: project-wide until the repository is named, then that repository only. */
export const PREVIEW_REGISTRY_READER: RoleGrant = {
  role: "roles/artifactregistry.reader",
  scope: "repository",
  why: "read the Docker repository and its cleanup policies (on the project until `artifactRepository` names the repository). Previews never build or push: `buildOnPreview: false`.",
};

/** Preview account, when the stack schedules jobs: a refresh reads each Cloud Scheduler job. */
export const PREVIEW_SCHEDULER_VIEWER: RoleGrant = {
  role: "roles/cloudscheduler.viewer",
  scope: "project",
  why: "read the Cloud Scheduler jobs of the scheduled jobs, which a preview with refresh compares (no per-job IAM exists in Cloud Scheduler).",
};

/** Preview account, on each secret listed in `secrets`: a refresh reads the secret's IAM policy (the runtime accounts' access). */
export const PREVIEW_SECRET_VIEWER: RoleGrant = {
  role: "roles/secretmanager.viewer",
  scope: "each listed secret",
  why: "read the secret's metadata and IAM policy (the secretAccessor members the stack adds), which a refresh compares; it cannot read a value (no secretmanager.versions.access).",
};

/** Preview account, single resources. */
export const PREVIEW_RESOURCE_ROLES: readonly RoleGrant[] = [
  { role: "roles/storage.objectViewer", scope: "state bucket", why: "read the stacks' state; a preview takes no lock and writes nothing to the backend." },
  { role: "roles/cloudkms.cryptoKeyDecrypter", scope: "KMS key", why: "decrypt the stack's data key to read secret config; it cannot encrypt." },
  {
    role: "roles/iam.workloadIdentityUser",
    scope: "preview service account",
    why:
      "granted to pull-request jobs without an environment (`repo:OWNER/REPO:pull_request`) and to jobs on the default branch without an environment " +
      "(`repo:OWNER/REPO:ref:refs/heads/BRANCH`: the scheduled drift check).",
  },
];

/** Roles that must never be granted by the bootstrap: basic roles and anything that manages IAM. */
export const FORBIDDEN_ROLES = [
  "roles/owner",
  "roles/editor",
  "roles/viewer",
  "roles/iam.securityAdmin",
  "roles/resourcemanager.projectIamAdmin",
  "roles/iam.serviceAccountAdmin",
  "roles/storage.admin",
  // Reading secret values is the runtime accounts' business, never a CI identity's.
  "roles/secretmanager.admin",
  "roles/secretmanager.secretAccessor",
];

/** Members that would make anything public. */
export const PUBLIC_MEMBERS = ["allUsers", "allAuthenticatedUsers"];
