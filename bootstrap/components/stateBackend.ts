/**
 * Where every stack keeps its state and how its secrets are encrypted: a
 * versioned, soft-deleting, uniform-access, never-public Cloud Storage bucket
 * (the `gs://` backend) and a KMS key (the `gcpkms://` secrets provider).
 */
import * as kms from "@pulumi/gcp/kms";
import * as storage from "@pulumi/gcp/storage";
import * as pulumi from "@pulumi/pulumi";

/** Arguments of {@link StateBackend}. */
export interface StateBackendArgs {
  /** GCP project that holds the bucket and the key. */
  project: string;
  /** Location of the bucket and the key ring, e.g. "asia-east1". */
  region: string;
  /** Globally unique bucket name. */
  bucketName: string;
  /** Days a replaced (noncurrent) state file version is kept before deletion. @default 90 */
  retentionDays: number;
  /** Days a deleted or overwritten object stays restorable and cannot be purged (Cloud Storage soft delete, 7-90). @default 90 */
  softDeleteDays: number;
  /** KMS key ring name. @example "pulumi" */
  keyRing: string;
  /** KMS key name. @example "pulumi-state" */
  cryptoKey: string;
}

/** State bucket + KMS key. */
export class StateBackend extends pulumi.ComponentResource {
  /** The state bucket. */
  readonly bucket: storage.Bucket;
  /** The key that wraps every stack's data key. */
  readonly key: kms.CryptoKey;
  /** `gs://<bucket>`: PULUMI_BACKEND_URL. */
  readonly backendUrl: pulumi.Output<string>;
  /** `gcpkms://projects/…/cryptoKeys/<key>`: the stacks' secrets provider. */
  readonly secretsProvider: pulumi.Output<string>;

  constructor(name: string, args: StateBackendArgs, opts?: pulumi.ComponentResourceOptions) {
    super("private-cloud-run-bootstrap:index:StateBackend", name, {}, opts);
    // Losing the bucket or the key loses every stack's state or secrets: protected.
    const precious = { parent: this, protect: true };

    this.bucket = new storage.Bucket(`${name}-bucket`, {
      project: args.project,
      name: args.bucketName,
      location: args.region.toUpperCase(),
      // IAM only (no ACLs), and never public whatever IAM says.
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      // Every state write keeps the previous version: a bad update can be rolled back.
      versioning: { enabled: true },
      lifecycleRules: [{ action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: args.retentionDays } }],
      // Whoever deletes a state file or version (the deploy account can) only
      // soft-deletes it: it stays restorable and cannot be purged for this long,
      // and turning this off needs storage.buckets.update, which no CI identity holds.
      softDeletePolicy: { retentionDurationSeconds: args.softDeleteDays * 86_400 },
      forceDestroy: false,
    }, precious);

    const keyRing = new kms.KeyRing(`${name}-keyring`, { project: args.project, name: args.keyRing, location: args.region }, precious);
    this.key = new kms.CryptoKey(`${name}-key`, {
      name: args.cryptoKey,
      keyRing: keyRing.id,
      purpose: "ENCRYPT_DECRYPT",
      // New key versions every 90 days; old versions still decrypt existing data keys.
      rotationPeriod: "7776000s",
    }, precious);

    this.backendUrl = pulumi.interpolate`gs://${this.bucket.name}`;
    this.secretsProvider = pulumi.interpolate`gcpkms://${this.key.id}`;
    this.registerOutputs({ backendUrl: this.backendUrl, secretsProvider: this.secretsProvider });
  }
}
