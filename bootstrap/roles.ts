/**
 * What the deploy service account may do, and why: the single list the
 * bootstrap grants from and docs/deploy.md explains. Pure data, no Pulumi.
 */

/** One role grant and the reason the stack needs it. */
export interface RoleGrant {
  role: string;
  /** Where it is granted: the project, or one named resource. */
  scope: "project" | "state bucket" | "KMS key" | "repository" | "deploy service account";
  why: string;
}

/** Project-level roles, always granted. */
export const PROJECT_ROLES: readonly RoleGrant[] = [
  {
    role: "roles/run.admin",
    scope: "project",
    why:
      "create, update and delete the Cloud Run services and jobs AND set their IAM policy (the invoker bindings); " +
      "roles/run.developer cannot set IAM policy. It also holds run.routes.invoke and run.jobs.run, which the smoke test uses.",
  },
  {
    role: "roles/iam.serviceAccountAdmin",
    scope: "project",
    why: "create and delete the per-workload runtime service accounts, which the stack creates (they do not exist at bootstrap time).",
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
    why: "enable the APIs the stack declares (run, artifactregistry, iam, iamcredentials) with projects.Service.",
  },
];

/** Artifact Registry before the stack's repository exists: it must be created, a project-level permission. */
export const REGISTRY_ADMIN: RoleGrant = {
  role: "roles/artifactregistry.admin",
  scope: "project",
  why:
    "the stack creates its Docker repository and cleanup policies (artifactregistry.repositories.create exists only at the project level, in this role). " +
    "Set `artifactRepository` once the repository exists to replace it with writer on that repository only.",
};

/** Artifact Registry once the repository exists (`artifactRepository` set). */
export const REGISTRY_WRITER: RoleGrant = {
  role: "roles/artifactregistry.writer",
  scope: "repository",
  why: "push the images the stack builds, to that one repository (changing the repository's own settings then needs an admin).",
};

/** Grants on single resources, always made. */
export const RESOURCE_ROLES: readonly RoleGrant[] = [
  {
    role: "roles/storage.objectAdmin",
    scope: "state bucket",
    why: "read and write the Pulumi state files and their lock files in the gs:// backend, and nothing else in Cloud Storage.",
  },
  {
    role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
    scope: "KMS key",
    why: "encrypt and decrypt the stack secrets (gcpkms:// secrets provider) with that one key.",
  },
  {
    role: "roles/iam.workloadIdentityUser",
    scope: "deploy service account",
    why: "granted to the repository's principalSet only: lets workflows of that one repository impersonate the deploy account (no key).",
  },
  {
    role: "roles/iam.serviceAccountOpenIdTokenCreator",
    scope: "deploy service account",
    why:
      "granted to the deploy account on itself: the smoke test mints ID tokens as the deploy account through IAM Credentials generateIdToken " +
      "(google-auth-library's Impersonated, since federated credentials cannot fetch ID tokens directly).",
  },
];

/** Roles that must never be granted by the bootstrap: basic roles and anything broader than needed. */
export const FORBIDDEN_ROLES = ["roles/owner", "roles/editor", "roles/viewer", "roles/iam.securityAdmin", "roles/resourcemanager.projectIamAdmin"];

/** Members that would make anything public. */
export const PUBLIC_MEMBERS = ["allUsers", "allAuthenticatedUsers"];
