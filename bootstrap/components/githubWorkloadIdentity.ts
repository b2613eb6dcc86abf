/**
 * GitHub Actions → GCP without keys: a workload identity pool and an OIDC
 * provider for token.actions.githubusercontent.com that accepts tokens from ONE
 * repository only (attribute condition), and, for the environment this
 * bootstrap serves, only from its default branch unless told otherwise. Each
 * service account is then bound to exact GitHub subjects (`sub` claims), never
 * to the whole repository.
 */
import * as iam from "@pulumi/gcp/iam";
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
  /** Branch restriction of the deploy environment; undefined = any branch. */
  deployRestriction?: DeployRestriction;
}

/** Jobs of `environment` are accepted only from `branch`. */
export interface DeployRestriction {
  environment: string;
  branch: string;
}

/**
 * GitHub's default `sub` claims (docs.github.com, "OpenID Connect reference",
 * example subject claims). A job that names an environment gets the
 * environment form whatever its event; a pull-request job without one gets
 * `pull_request`; any other job without one gets its branch.
 */
export const githubSubject = {
  environment: (repository: string, environment: string) => `repo:${repository}:environment:${environment}`,
  pullRequest: (repository: string) => `repo:${repository}:pull_request`,
  branch: (repository: string, branch: string) => `repo:${repository}:ref:refs/heads/${branch}`,
};

/**
 * CEL condition the provider evaluates on every GitHub token. Values are
 * validated in config.ts (no quotes can reach the expression). With a deploy
 * restriction, a token of that environment is refused at the exchange unless
 * its `ref` (always present in GitHub's tokens) is the branch: a workflow on
 * another branch that names the environment gets no credential, even if the
 * environment's own branch rule was never set.
 */
export function githubAttributeCondition(repository: string, repositoryId?: string, restriction?: DeployRestriction): string {
  const parts = [`assertion.repository == "${repository}"`];
  if (repositoryId) parts.push(`assertion.repository_id == "${repositoryId}"`);
  if (restriction) {
    const subject = githubSubject.environment(repository, restriction.environment);
    parts.push(`(assertion.sub != "${subject}" || assertion.ref == "refs/heads/${restriction.branch}")`);
  }
  return parts.join(" && ");
}

/** The IAM principal "tokens whose `sub` is exactly this" in a pool. */
export function subjectPrincipal(poolName: string, subject: string): string {
  return `principal://iam.googleapis.com/${poolName}/subject/${subject}`;
}

/** Pool + GitHub provider restricted to one repository. */
export class GithubWorkloadIdentity extends pulumi.ComponentResource {
  readonly pool: iam.WorkloadIdentityPool;
  readonly provider: iam.WorkloadIdentityPoolProvider;
  /** Full provider name for google-github-actions/auth `workload_identity_provider`. */
  readonly providerName: pulumi.Output<string>;

  constructor(name: string, args: GithubWorkloadIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("private-cloud-run-bootstrap:index:GithubWorkloadIdentity", name, {}, opts);
    const self = { parent: this };

    this.pool = new iam.WorkloadIdentityPool(`${name}-pool`, {
      project: args.project,
      workloadIdentityPoolId: args.poolId,
      displayName: "GitHub Actions",
      description: `GitHub Actions workflows of ${args.repository}`,
      disabled: false,
    }, self);

    this.provider = new iam.WorkloadIdentityPoolProvider(`${name}-provider`, {
      project: args.project,
      workloadIdentityPoolId: this.pool.workloadIdentityPoolId,
      workloadIdentityPoolProviderId: args.providerId,
      displayName: "GitHub Actions OIDC",
      attributeMapping: {
        // The subject is what the service accounts are bound to (principal://…/subject/…).
        "google.subject": "assertion.sub",
        "attribute.repository": "assertion.repository",
        "attribute.repository_id": "assertion.repository_id",
        "attribute.ref": "assertion.ref",
      },
      // The security boundary: tokens from any other repository (and, for the
      // deploy environment, from any other branch) are rejected at the token
      // exchange, before IAM is even consulted.
      attributeCondition: githubAttributeCondition(args.repository, args.repositoryId, args.deployRestriction),
      oidc: { issuerUri: GITHUB_ISSUER },
    }, self);

    this.providerName = this.provider.name;
    this.registerOutputs({ providerName: this.providerName });
  }

  /** The principal for one GitHub subject in this pool. */
  principal(subject: string): pulumi.Output<string> {
    return this.pool.name.apply((pool) => subjectPrincipal(pool, subject));
  }
}
