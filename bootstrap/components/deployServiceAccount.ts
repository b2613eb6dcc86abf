/**
 * The identity the deploy jobs of ONE GitHub environment run as: a service
 * account with exactly the roles in bootstrap/roles.ts, each granted on the
 * narrowest resource that works, impersonable only by that environment's jobs
 * (no key exists).
 */
import * as artifactregistry from "@pulumi/gcp/artifactregistry";
import * as kms from "@pulumi/gcp/kms";
import * as projects from "@pulumi/gcp/projects";
import * as secretmanager from "@pulumi/gcp/secretmanager";
import * as serviceaccount from "@pulumi/gcp/serviceaccount";
import * as storage from "@pulumi/gcp/storage";
import * as pulumi from "@pulumi/pulumi";
import {
  PROJECT_ROLES,
  REGISTRY_ADMIN,
  REGISTRY_WRITER,
  RESOURCE_ROLES,
  SCHEDULER_ADMIN,
  SECRET_IAM_GRANTER,
  SECRET_IAM_PERMISSIONS,
  SECRET_IAM_ROLE_ID,
  type RoleGrant,
} from "../roles";
import { slug } from "./slug";

/** Arguments of {@link DeployServiceAccount}. */
export interface DeployServiceAccountArgs {
  project: string;
  region: string;
  /** Account id (before the @). @default "pulumi-deploy" */
  accountId: string;
  /** State bucket name: objectAdmin there only. */
  stateBucket: pulumi.Input<string>;
  /** KMS key id: encrypter/decrypter on it only. */
  cryptoKeyId: pulumi.Input<string>;
  /** principal:// of the one GitHub subject allowed to impersonate it (`repo:OWNER/REPO:environment:NAME`). */
  environmentPrincipal: pulumi.Input<string>;
  /** Existing Artifact Registry repository: writer there instead of admin on the project. */
  artifactRepository?: string;
  /** The stack schedules jobs: Cloud Scheduler admin on the project. */
  scheduledJobs?: boolean;
  /** Secret ids the stack's workloads read: the custom secret-IAM role on each. */
  secrets?: readonly string[];
}

/** The deploy service account and all of its grants. */
export class DeployServiceAccount extends pulumi.ComponentResource {
  readonly account: serviceaccount.Account;
  readonly email: pulumi.Output<string>;
  /** `serviceAccount:<email>`, for grants made elsewhere. */
  readonly member: pulumi.Output<string>;
  /** Every role granted here, for the stack outputs and docs. */
  readonly grants: RoleGrant[];

  constructor(name: string, args: DeployServiceAccountArgs, opts?: pulumi.ComponentResourceOptions) {
    super("private-cloud-run-bootstrap:index:DeployServiceAccount", name, {}, opts);
    const self = { parent: this };

    this.account = new serviceaccount.Account(`${name}-sa`, {
      project: args.project,
      accountId: args.accountId,
      displayName: "Pulumi deploy (GitHub Actions)",
      description: "Deploys private-cloud-run stacks from one GitHub environment via Workload Identity Federation. No keys.",
    }, self);
    this.email = this.account.email;
    const member = pulumi.interpolate`serviceAccount:${this.account.email}`;
    this.member = member;

    // Project level: additive IAMMember per role, never an authoritative
    // project policy/binding (that would strip everyone else's grants).
    const projectRoles = args.artifactRepository ? PROJECT_ROLES : [...PROJECT_ROLES, REGISTRY_ADMIN];
    for (const grant of projectRoles) {
      new projects.IAMMember(`${name}-${slug(grant.role)}`, { project: args.project, role: grant.role, member }, self);
    }
    if (args.artifactRepository) {
      new artifactregistry.RepositoryIamMember(`${name}-registry-writer`, {
        project: args.project,
        location: args.region,
        repository: args.artifactRepository,
        role: REGISTRY_WRITER.role,
        member,
      }, self);
    }

    // State: these two objects only.
    new storage.BucketIAMMember(`${name}-state-objects`, { bucket: args.stateBucket, role: "roles/storage.objectAdmin", member }, self);
    new kms.CryptoKeyIAMMember(`${name}-state-key`, {
      cryptoKeyId: args.cryptoKeyId,
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      member,
    }, self);

    // Who may become this account: jobs of the one GitHub environment, never the whole repository.
    new serviceaccount.IAMMember(`${name}-github`, {
      serviceAccountId: this.account.name,
      role: "roles/iam.workloadIdentityUser",
      member: args.environmentPrincipal,
    }, self);

    if (args.scheduledJobs) {
      new projects.IAMMember(`${name}-${slug(SCHEDULER_ADMIN.role)}`, { project: args.project, role: SCHEDULER_ADMIN.role, member }, self);
    }
    const secrets = args.secrets ?? [];
    if (secrets.length > 0) this.grantSecretIam(name, args.project, secrets, member);

    this.grants = [
      ...projectRoles,
      ...(args.artifactRepository ? [REGISTRY_WRITER] : []),
      ...RESOURCE_ROLES,
      ...(args.scheduledJobs ? [SCHEDULER_ADMIN] : []),
      ...(secrets.length > 0 ? [{ ...SECRET_IAM_GRANTER, role: secretIamRoleName(args.project) }] : []),
    ];
    this.registerOutputs({ email: this.email });
  }

  /** The custom role (get/set IAM policy only), granted on each listed secret and nowhere else. */
  private grantSecretIam(name: string, project: string, secrets: readonly string[], member: pulumi.Input<string>): void {
    const role = new projects.IAMCustomRole(`${name}-secret-iam-role`, {
      project,
      roleId: SECRET_IAM_ROLE_ID,
      title: "private-cloud-run secret IAM granter",
      description: "Read and set one secret's IAM policy, to grant a runtime account access; never read a value.",
      permissions: [...SECRET_IAM_PERMISSIONS],
      stage: "GA",
    }, { parent: this });
    for (const secret of secrets) {
      new secretmanager.SecretIamMember(`${name}-secret-${secret}`, {
        project,
        secretId: secret,
        role: secretIamRoleName(project),
        member,
      }, { parent: this, dependsOn: [role] });
    }
  }
}

/** Full name of the custom secret-IAM role in a project (what IAM bindings name). */
export function secretIamRoleName(project: string): string {
  return `projects/${project}/roles/${SECRET_IAM_ROLE_ID}`;
}
