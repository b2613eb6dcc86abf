/**
 * The bootstrap, wired: APIs → state backend → GitHub identity → deploy
 * account. Returns the stack outputs, including the GitHub repository variables
 * the workflows read and the `gh` commands that set them.
 */
import * as pulumi from "@pulumi/pulumi";
import { ProjectApis } from "../components/projectApis";
import { DeployServiceAccount } from "./components/deployServiceAccount";
import { GithubWorkloadIdentity } from "./components/githubWorkloadIdentity";
import { StateBackend } from "./components/stateBackend";
import type { BootstrapSettings } from "./config";

/** APIs the bootstrap itself needs (the stack enables run and artifactregistry with the deploy account). */
export const BOOTSTRAP_APIS = [
  "iam.googleapis.com",
  "iamcredentials.googleapis.com",
  "sts.googleapis.com",
  "cloudkms.googleapis.com",
  "storage.googleapis.com",
  "cloudresourcemanager.googleapis.com",
  "serviceusage.googleapis.com",
];

/** Names of the GitHub repository variables, for one environment suffix ("DEV"). */
export function githubVariableNames(environment: string) {
  return {
    provider: `GCP_WORKLOAD_IDENTITY_PROVIDER_${environment}`,
    serviceAccount: `GCP_DEPLOY_SERVICE_ACCOUNT_${environment}`,
    backendUrl: `PULUMI_BACKEND_URL_${environment}`,
    secretsProvider: `PULUMI_SECRETS_PROVIDER_${environment}`,
  };
}

/** Creates everything; returns the stack outputs. */
export function createBootstrap(settings: BootstrapSettings) {
  // The main program's component: one Service per API (api-iam, …), left enabled on destroy.
  const apis = new ProjectApis("api", { project: settings.project, apis: BOOTSTRAP_APIS });
  const afterApis = { dependsOn: apis.services };

  const backend = new StateBackend("state", {
    project: settings.project,
    region: settings.region,
    bucketName: settings.stateBucket,
    retentionDays: settings.stateVersionRetentionDays,
    keyRing: settings.keyRing,
    cryptoKey: settings.cryptoKey,
  }, afterApis);

  const github = new GithubWorkloadIdentity("github", {
    project: settings.project,
    poolId: settings.workloadIdentityPool,
    providerId: settings.workloadIdentityProvider,
    repository: settings.githubRepository,
    repositoryId: settings.githubRepositoryId,
  }, afterApis);

  const deployer = new DeployServiceAccount("deploy", {
    project: settings.project,
    region: settings.region,
    accountId: settings.deployServiceAccount,
    stateBucket: backend.bucket.name,
    cryptoKeyId: backend.key.id,
    repositoryPrincipalSet: github.repositoryPrincipalSet,
    artifactRepository: settings.artifactRepository,
  }, afterApis);

  const names = githubVariableNames(settings.githubEnvironment);
  const githubVariables = pulumi
    .all([github.providerName, deployer.email, backend.backendUrl, backend.secretsProvider])
    .apply(([provider, email, backendUrl, secretsProvider]) => ({
      [names.provider]: provider,
      [names.serviceAccount]: email,
      [names.backendUrl]: backendUrl,
      [names.secretsProvider]: secretsProvider,
    }));

  return {
    project: settings.project,
    region: settings.region,
    backendUrl: backend.backendUrl,
    secretsProvider: backend.secretsProvider,
    workloadIdentityProvider: github.providerName,
    deployServiceAccount: deployer.email,
    deployRoles: deployer.grants.map(({ role, scope }) => ({ role, scope })),
    githubVariables,
    /** Paste into a shell in a clone of the repository. */
    ghCommands: githubVariables.apply((vars) =>
      Object.entries(vars).map(([name, value]) => `gh variable set ${name} --repo ${settings.githubRepository} --body '${value}'`),
    ),
  };
}
