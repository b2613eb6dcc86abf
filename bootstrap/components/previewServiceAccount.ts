/**
 * The identity pull-request previews and the scheduled drift check run as:
 * read-only everywhere the stack reads (Cloud Run, IAM, service accounts, APIs,
 * Artifact Registry, the state bucket) and decrypt-only on the KMS key. It can
 * change nothing, so running a pull request's code as it cannot change the
 * cloud either.
 */
import * as artifactregistry from "@pulumi/gcp/artifactregistry";
import * as kms from "@pulumi/gcp/kms";
import * as projects from "@pulumi/gcp/projects";
import * as secretmanager from "@pulumi/gcp/secretmanager";
import * as serviceaccount from "@pulumi/gcp/serviceaccount";
import * as storage from "@pulumi/gcp/storage";
import * as pulumi from "@pulumi/pulumi";
import { PREVIEW_PROJECT_ROLES, PREVIEW_REGISTRY_READER, PREVIEW_RESOURCE_ROLES, PREVIEW_SCHEDULER_VIEWER, PREVIEW_SECRET_VIEWER, type RoleGrant } from "../roles";
import { slug } from "./slug";

/** Arguments of {@link PreviewServiceAccount}. */
export interface PreviewServiceAccountArgs {
  project: string;
  region: string;
  /** Account id (before the @). @default "pulumi-preview" */
  accountId: string;
  /** State bucket name: objectViewer there only. */
  stateBucket: pulumi.Input<string>;
  /** KMS key id: decrypter on it only. */
  cryptoKeyId: pulumi.Input<string>;
  /** principal:// of the GitHub subjects allowed to impersonate it (pull requests, the default branch). */
  principals: pulumi.Input<string>[];
  /** Existing Artifact Registry repository: reader there instead of on the project. */
  artifactRepository?: string;
  /** The stack schedules jobs: Cloud Scheduler viewer on the project. */
  scheduledJobs?: boolean;
  /** Secret ids the stack's workloads read: Secret Manager viewer on each. */
  secrets?: readonly string[];
}

/** The read-only preview account and its grants. */
export class PreviewServiceAccount extends pulumi.ComponentResource {
  readonly account: serviceaccount.Account;
  readonly email: pulumi.Output<string>;
  /** Every role granted, for the stack outputs and docs. */
  readonly grants: RoleGrant[];

  constructor(name: string, args: PreviewServiceAccountArgs, opts?: pulumi.ComponentResourceOptions) {
    super("private-cloud-run-bootstrap:index:PreviewServiceAccount", name, {}, opts);
    const self = { parent: this };

    this.account = new serviceaccount.Account(`${name}-sa`, {
      project: args.project,
      accountId: args.accountId,
      displayName: "Pulumi preview (GitHub Actions, read-only)",
      description: "Previews private-cloud-run stacks for pull requests and the drift check. Reads only; no keys.",
    }, self);
    this.email = this.account.email;
    const member = pulumi.interpolate`serviceAccount:${this.account.email}`;

    for (const grant of PREVIEW_PROJECT_ROLES) {
      new projects.IAMMember(`${name}-${slug(grant.role)}`, { project: args.project, role: grant.role, member }, self);
    }
    if (args.artifactRepository) {
      new artifactregistry.RepositoryIamMember(`${name}-registry-reader`, {
        project: args.project,
        location: args.region,
        repository: args.artifactRepository,
        role: PREVIEW_REGISTRY_READER.role,
        member,
      }, self);
    } else {
      // No repository to name yet: read-only on the project's repositories.
      new projects.IAMMember(`${name}-registry-reader`, { project: args.project, role: PREVIEW_REGISTRY_READER.role, member }, self);
    }

    new storage.BucketIAMMember(`${name}-state-objects`, { bucket: args.stateBucket, role: "roles/storage.objectViewer", member }, self);
    new kms.CryptoKeyIAMMember(`${name}-state-key`, { cryptoKeyId: args.cryptoKeyId, role: "roles/cloudkms.cryptoKeyDecrypter", member }, self);

    args.principals.forEach((principal, index) => {
      new serviceaccount.IAMMember(`${name}-github-${index}`, {
        serviceAccountId: this.account.name,
        role: "roles/iam.workloadIdentityUser",
        member: principal,
      }, self);
    });

    // What a refresh of the scheduled jobs and the secret grants reads; nothing more.
    if (args.scheduledJobs) {
      new projects.IAMMember(`${name}-${slug(PREVIEW_SCHEDULER_VIEWER.role)}`, { project: args.project, role: PREVIEW_SCHEDULER_VIEWER.role, member }, self);
    }
    const secrets = args.secrets ?? [];
    for (const secret of secrets) {
      new secretmanager.SecretIamMember(`${name}-secret-${secret}`, { project: args.project, secretId: secret, role: PREVIEW_SECRET_VIEWER.role, member }, self);
    }

    const registry: RoleGrant = { ...PREVIEW_REGISTRY_READER, scope: args.artifactRepository ? "repository" : "project" };
    this.grants = [
      ...PREVIEW_PROJECT_ROLES,
      registry,
      ...PREVIEW_RESOURCE_ROLES,
      ...(args.scheduledJobs ? [PREVIEW_SCHEDULER_VIEWER] : []),
      ...(secrets.length > 0 ? [PREVIEW_SECRET_VIEWER] : []),
    ];
    this.registerOutputs({ email: this.email });
  }
}
