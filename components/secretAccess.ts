/**
 * Secret Manager access for one workload: its runtime account may read exactly
 * the secrets it references, and nothing else. The stack never creates a secret
 * nor holds a value; it only grants access to secrets that already exist.
 */
import * as secretmanager from "@pulumi/gcp/secretmanager";
import type * as serviceaccount from "@pulumi/gcp/serviceaccount";
import * as pulumi from "@pulumi/pulumi";
import type { SecretReference } from "../contract";
import { shortHash } from "./naming";

/** The one role granted on a secret: read its versions' payloads, nothing about the secret itself. */
export const SECRET_ACCESSOR_ROLE = "roles/secretmanager.secretAccessor";

export interface SecretAccessArgs {
  /** GCP project holding the secrets (the stack's). */
  project: string;
  /** The workload's secrets, env name → reference. Several names may read one secret: it is granted once. */
  secrets: Readonly<Record<string, SecretReference>>;
  /** The workload's runtime account: the only member ever granted. */
  account: serviceaccount.Account;
  /** The workload component. */
  parent: pulumi.Resource;
  /** Resources to create first (the Secret Manager API). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Logical-name fragment for a secret id: readable and unique ("DB_password" → "db-password-1a2b3c"; ids are case-sensitive). */
function secretSlug(secret: string): string {
  const readable = secret.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40);
  return `${readable}-${shortHash(secret)}`;
}

/**
 * One `SecretIamMember` per distinct secret: additive, because a secret may be
 * read by things outside this stack (a Binding or Policy would remove their
 * access), and on the secret itself, never on the project (a project-level
 * grant would reach every secret in it).
 */
export function grantSecretAccess(name: string, args: SecretAccessArgs): secretmanager.SecretIamMember[] {
  const ids = [...new Set(Object.values(args.secrets).map((ref) => ref.secret))].sort();
  const member = pulumi.interpolate`serviceAccount:${args.account.email}`;
  return ids.map(
    (secretId) =>
      new secretmanager.SecretIamMember(
        `${name}-reads-${secretSlug(secretId)}`,
        { project: args.project, secretId, role: SECRET_ACCESSOR_ROLE, member },
        { parent: args.parent, dependsOn: args.dependsOn },
      ),
  );
}
