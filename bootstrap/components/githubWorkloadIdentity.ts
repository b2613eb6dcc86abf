/**
 * GitHub Actions → GCP without keys: a workload identity pool and an OIDC
 * provider for token.actions.githubusercontent.com that accepts tokens from ONE
 * repository only (attribute condition), so no other repository on GitHub can
 * even exchange a token, whatever IAM says.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

/** GitHub's OIDC issuer. */
export const GITHUB_ISSUER = "https://token.actions.githubusercontent.com";

/** Arguments of {@link GithubWorkloadIdentity}. */
export interface GithubWorkloadIdentityArgs {
  project: string;
  /** Pool id. @default "github" */
  poolId: string;
  /** Provider id. @default "github-actions" */
  providerId: string;
  /** "OWNER/REPO". */
  repository: string;
  /** Numeric repository id; when set, required too. */
  repositoryId?: string;
}

/**
 * CEL condition the provider evaluates on every GitHub token. Values are
 * validated in config.ts (no quotes can reach the expression).
 */
export function githubAttributeCondition(repository: string, repositoryId?: string): string {
  const byName = `assertion.repository == "${repository}"`;
  return repositoryId ? `${byName} && assertion.repository_id == "${repositoryId}"` : byName;
}

/** The IAM principal set "every workflow run of this repository" in a pool. */
export function repositoryPrincipalSet(poolName: string, repository: string): string {
  return `principalSet://iam.googleapis.com/${poolName}/attribute.repository/${repository}`;
}

/** Pool + GitHub provider restricted to one repository. */
export class GithubWorkloadIdentity extends pulumi.ComponentResource {
  readonly pool: gcp.iam.WorkloadIdentityPool;
  readonly provider: gcp.iam.WorkloadIdentityPoolProvider;
  /** Full provider name for google-github-actions/auth `workload_identity_provider`. */
  readonly providerName: pulumi.Output<string>;
  /** principalSet:// of the repository, for IAM bindings. */
  readonly repositoryPrincipalSet: pulumi.Output<string>;

  constructor(name: string, args: GithubWorkloadIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("private-cloud-run-bootstrap:index:GithubWorkloadIdentity", name, {}, opts);
    const self = { parent: this };

    this.pool = new gcp.iam.WorkloadIdentityPool(`${name}-pool`, {
      project: args.project,
      workloadIdentityPoolId: args.poolId,
      displayName: "GitHub Actions",
      description: `GitHub Actions workflows of ${args.repository}`,
      disabled: false,
    }, self);

    this.provider = new gcp.iam.WorkloadIdentityPoolProvider(`${name}-provider`, {
      project: args.project,
      workloadIdentityPoolId: this.pool.workloadIdentityPoolId,
      workloadIdentityPoolProviderId: args.providerId,
      displayName: "GitHub Actions OIDC",
      attributeMapping: {
        "google.subject": "assertion.sub",
        "attribute.repository": "assertion.repository",
        "attribute.repository_id": "assertion.repository_id",
        "attribute.ref": "assertion.ref",
      },
      // The security boundary: tokens from any other repository are rejected
      // at the token exchange, before IAM is even consulted.
      attributeCondition: githubAttributeCondition(args.repository, args.repositoryId),
      oidc: { issuerUri: GITHUB_ISSUER },
    }, self);

    this.providerName = this.provider.name;
    this.repositoryPrincipalSet = this.pool.name.apply((pool) => repositoryPrincipalSet(pool, args.repository));
    this.registerOutputs({ providerName: this.providerName, repositoryPrincipalSet: this.repositoryPrincipalSet });
  }
}
